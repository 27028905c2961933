"""Connected systems (R15, R16.1): API keys, real-time batch intake, exchange files with the province."""
