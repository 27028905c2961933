"""Personal data (PIPL, 等保 2.0 第三级): who read whom, throttled ID-number lookups, masked logs."""
