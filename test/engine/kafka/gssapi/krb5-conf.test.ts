// Checks the krb5.conf reader: default realm, per-realm KDCs, comments and other sections ignored.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseKrb5Conf } from '../../../../engine/kafka/gssapi/krb5-conf.ts'

test('parseKrb5Conf should read default_realm and every realm\'s kdc lines', () => {
  const settings = parseKrb5Conf([
    '# a comment', '[libdefaults]', '  default_realm = EXAMPLE.TEST', '  rdns = false', '',
    '[realms]', '  EXAMPLE.TEST = {', '    kdc = kdc1.example.test:88', '    ; kdc = commented.out', '    kdc = kdc2.example.test',
    '    admin_server = kadmin.example.test', '  }', '  OTHER.TEST = {', '    kdc = 10.0.0.1:750', '  }',
    '[domain_realm]', '  kdc = not.a.realm',
  ].join('\n'))
  assert.equal(settings.defaultRealm, 'EXAMPLE.TEST')
  assert.deepEqual([...settings.kdcs], [
    ['EXAMPLE.TEST', ['kdc1.example.test:88', 'kdc2.example.test']], ['OTHER.TEST', ['10.0.0.1:750']],
  ])
})
