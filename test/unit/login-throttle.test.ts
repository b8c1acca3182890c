import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientNetwork } from '../../src/core/accounts/login-throttle.js';

test('the log-in throttle counts an IPv4 address alone and an IPv6 address by its /64', () => {
  const cases: [string, string][] = [
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2::5', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:ffff:1:2:3', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['2001:db8:1:2:3:4:198.51.100.1', '2001:db8:1:2::/64'],
    ['64:ff9b::198.51.100.1', '64:ff9b:0:0::/64'],
    ['not an address', 'not an address'],
  ];
  for (const [address, network] of cases) assert.equal(clientNetwork(address), network, address);
});
