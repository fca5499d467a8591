-- Rotating an API key: the old key keeps working until `expires_at` (the overlap the merchant asked for), then is
-- refused; null means no expiry. Keys of one merchant are listed and rotated together, hence the index.
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;
CREATE INDEX api_keys_merchant ON api_keys (merchant_id);
