// The admin token lives in sessionStorage only: it is gone when the tab closes and never shared across tabs.
const KEY = 'moat.console.token';

export function loadToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}
