"""Free API keys for the public read API: made and revoked by signed-in users on
/account/api-keys/, presented as ``X-API-Key`` or ``Authorization: Bearer``, and
rewarded with a higher rate limit than anonymous callers get per address."""
