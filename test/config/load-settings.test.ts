import { describe, expect, it } from 'vitest';
import { helpText, loadSettings, parseCli, SettingsError } from '../../src/config/load-settings.js';

describe('settings', () => {
  it('applies defaults, then environment, then flags', () => {
    const s = loadSettings('router', ['--admin-port', '9999', '--access-log'], { WORKERS: '3', ADMIN_PORT: '1' });
    expect(s.adminPort).toBe(9999);
    expect(s.workers).toBe(3);
    expect(s.accessLog).toBe(true);
    expect(s.adminAddress).toBe('127.0.0.1');
  });

  it('reports every bad value with its flag and variable, and hides secrets', () => {
    try {
      loadSettings('router', ['--admin-port=abc', '--admin-token', 'short-secret'], { WORKERS: '0' });
      expect.unreachable();
    } catch (e) {
      const msg = (e as SettingsError).message;
      expect(e).toBeInstanceOf(SettingsError);
      expect((e as SettingsError).problems).toHaveLength(3);
      expect(msg).toContain('--admin-port / ADMIN_PORT = "abc"');
      expect(msg).toContain('--workers / WORKERS');
      expect(msg).not.toContain('short-secret');
    }
  });

  it('rejects flags of another mode and unknown commands', () => {
    expect(() => loadSettings('router', ['--kubeconfig', '/x'], {})).toThrow(/unknown flag --kubeconfig/);
    expect(() => parseCli(['serve'], {})).toThrow(/unknown command "serve"/);
  });

  it('lists every flag of a mode in --help', () => {
    expect(parseCli(['router', '--help'], {})).toEqual({ kind: 'help', mode: 'router' });
    const text = helpText('controller');
    expect(text).toContain('--data-plane-url');
    expect(text).toContain('DATA_PLANE_URL');
    expect(text).not.toContain('--demo-backend');
  });
});
