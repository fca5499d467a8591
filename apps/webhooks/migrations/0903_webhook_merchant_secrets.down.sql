DROP TABLE webhook_merchant_secrets;
