DROP INDEX api_keys_merchant;
ALTER TABLE api_keys DROP COLUMN expires_at;
