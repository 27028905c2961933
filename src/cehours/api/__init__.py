"""The versioned JSON API (/api/v1): one NinjaAPI, one router module per subject."""
