import { apiContractOf } from './api-contract';

/**
 * A merchant's HTTP calls to the gateway. Every answer is checked against the API document the gateway serves
 * (test/support/api-contract.ts): a test fails on an undocumented status, header or field, whatever it asserts.
 */
export function apiClient(baseUrl: string, apiKey: string) {
  return async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- responses are checked field by field in tests
  ): Promise<{ status: number; body: any; headers: Headers }> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (HTML docs page)
    }
    (await apiContractOf(baseUrl)).check(method, path, response.status, response.headers, parsed);
    return { status: response.status, body: parsed, headers: response.headers };
  };
}
