// Tests of the installer's pure parts: Terraform platform names and the CLI configuration that uses the mirror.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cliConfigText, defaultProviderConfigFile, PROVIDER_SOURCE, providerWrapperScript, terraformPlatform } from '../../../provider/terraform/install-provider.ts'

test('terraformPlatform should name platforms the way Terraform does', () => {
  assert.equal(terraformPlatform('linux', 'x64'), 'linux_amd64')
  assert.equal(terraformPlatform('darwin', 'arm64'), 'darwin_arm64')
})

test('cliConfigText should take only the clusterlink address from the mirror and everything else from the registry', () => {
  const text = cliConfigText('/mirror')
  assert.match(text, /filesystem_mirror \{\n {4}path {4}= "\/mirror"\n {4}include = \["clusterlink\.local\/clusterlink\/clusterlink"\]/)
  assert.match(text, /direct \{\n {4}exclude = \["clusterlink\.local\/clusterlink\/clusterlink"\]/)
  assert.equal(PROVIDER_SOURCE, 'clusterlink.local/clusterlink/clusterlink')
})

test('providerWrapperScript should hold no path of this machine, so the lock file hash is the same everywhere', () => {
  const script = providerWrapperScript()
  assert.equal(script, providerWrapperScript())
  assert.equal(script.includes(process.execPath), false)
  assert.equal(script.includes(import.meta.dirname.split('/test/')[0] ?? '\u0000'), false)
  assert.match(script, /^#!\/bin\/sh\n/)
  assert.match(script, /CLUSTERLINK_PROVIDER_CONFIG/)
})

test('defaultProviderConfigFile should follow CLUSTERLINK_CACHE, then XDG_CACHE_HOME', () => {
  assert.equal(defaultProviderConfigFile({ CLUSTERLINK_CACHE: '/c' }), '/c/terraform-provider-clusterlink-0.1.0.env')
  assert.equal(defaultProviderConfigFile({ XDG_CACHE_HOME: '/x' }), '/x/clusterlink/terraform-provider-clusterlink-0.1.0.env')
})
