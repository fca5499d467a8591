import { parseAmazonPayNotification } from './amazon-pay-notification';

const MESSAGE = {
  MerchantID: 'merchant_1',
  ObjectType: 'REFUND',
  ObjectId: 'S01-0000000-0000000-R000001',
  ChargePermissionId: 'S01-0000000-0000000',
  NotificationType: 'STATE_CHANGE',
  NotificationId: '93a2c1d7-5d2b-4a55-9f38-6f0e2f6f6c1e',
  NotificationVersion: 'V1',
};
const body = (message: unknown) => JSON.stringify({ Type: 'Notification', Message: JSON.stringify(message) });

describe('an Amazon Pay IPN body', () => {
  it('is read from the JSON string in Message', () => {
    expect(parseAmazonPayNotification(body(MESSAGE))).toEqual(MESSAGE);
  });

  it.each([
    ['not JSON', 'nope', undefined],
    ['an array', '[]', undefined],
    ['Message missing', JSON.stringify({ Type: 'Notification' }), 'Message'],
    ['Message an object, not a string', JSON.stringify({ Message: MESSAGE }), 'Message'],
    ['Message not JSON', JSON.stringify({ Message: 'nope' }), undefined],
    ['an unknown ObjectType', body({ ...MESSAGE, ObjectType: 'INVOICE' }), 'Message.ObjectType'],
    ['no NotificationId', body({ ...MESSAGE, NotificationId: undefined }), 'Message.NotificationId'],
    ['an empty MerchantID', body({ ...MESSAGE, MerchantID: ' ' }), 'Message.MerchantID'],
    ['a number for ObjectId', body({ ...MESSAGE, ObjectId: 7 }), 'Message.ObjectId'],
  ])('is refused when it is %s (400 invalid_provider_notification)', (_what, text, field) => {
    expect(() => parseAmazonPayNotification(text)).toThrow(
      expect.objectContaining({ code: 'invalid_provider_notification', field }),
    );
  });
});
