// Runs a throwaway MIT Kerberos KDC (Debian's krb5-kdc) on loopback for the SASL/GSSAPI tests: a realm in a temp dir,
// principals with keytabs or passwords, and `krb5kdc -n` on a free port.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, openSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findFreePort, isPortOpen } from './kafka-cluster.ts'

export interface KerberosKdcOptions {
  /** Default CLUSTERLINK.TEST. */
  readonly realm?: string
  /** Directory for the database, configs, keytabs and kdc.log; default a fresh temp directory (removed on stop). */
  readonly dir?: string
}

export interface KerberosKdc {
  readonly realm: string
  /** `127.0.0.1:<port>` (TCP and UDP). */
  readonly kdc: string
  readonly port: number
  readonly dir: string
  /** A krb5.conf naming this realm and KDC, for Java (`-Djava.security.krb5.conf`) and the MIT tools. */
  readonly krb5ConfPath: string
  /** Adds `principal` (name or name/host, in this realm) with random keys and writes them to a new keytab; returns its path. */
  addKeytabPrincipal(principal: string): Promise<string>
  /** Adds `principal` with a password (pre-authentication required). */
  addPasswordPrincipal(principal: string, password: string): Promise<void>
  stop(): Promise<void>
}

/**
 * The environment of the MIT tools: Debian installs krb5kdc, kdb5_util and kadmin.local in /usr/sbin, which is not on
 * an ordinary user's PATH.
 */
function kdcToolEnv(dir: string, krb5ConfPath = join(dir, 'krb5.conf')): NodeJS.ProcessEnv {
  const path = [process.env['PATH'] ?? '', '/usr/sbin', '/sbin'].filter((p) => p !== '').join(':')
  return { ...process.env, PATH: path, KRB5_CONFIG: krb5ConfPath, KRB5_KDC_PROFILE: join(dir, 'kdc.conf') }
}

/** Runs an MIT admin tool with the realm's configuration; commands and passwords go on stdin, never in argv. */
function runTool(dir: string, command: string, args: readonly string[], stdin: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = kdcToolEnv(dir)
    const child = execFile(command, [...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} failed: ${stderr.trim() || error.message}`))
      else if (/error|failed|not found|while |usage/i.test(stderr)) reject(new Error(`${command}: ${stderr.trim()}`))
      else resolve(stdout)
    })
    child.stdin?.end(stdin)
  })
}

const ENCTYPES = 'aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal'

/** Creates the realm and starts the KDC; needs scripts/install-kdc.sh to have run. */
export async function startKerberosKdc(options: KerberosKdcOptions = {}): Promise<KerberosKdc> {
  const realm = options.realm ?? 'CLUSTERLINK.TEST'
  const dir = options.dir ?? await mkdtemp(join(tmpdir(), 'clusterlink-kdc-'))
  const port = await findFreePort()
  const krb5ConfPath = join(dir, 'krb5.conf')
  // Tickets and session keys use aes256-cts-hmac-sha1-96 (the engine also speaks aes128); TCP only for Java clients.
  await writeFile(krb5ConfPath, [
    '[libdefaults]',
    `  default_realm = ${realm}`,
    '  dns_lookup_realm = false',
    '  dns_lookup_kdc = false',
    '  rdns = false',
    '  udp_preference_limit = 1',
    '  default_tkt_enctypes = aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96',
    '  default_tgs_enctypes = aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96',
    '  permitted_enctypes = aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96',
    '[realms]',
    `  ${realm} = {`,
    `    kdc = 127.0.0.1:${port}`,
    '  }',
    '[domain_realm]',
    `  localhost = ${realm}`,
    '',
  ].join('\n'))
  await writeFile(join(dir, 'kdc.conf'), [
    '[kdcdefaults]',
    `  kdc_ports = ${port}`,
    `  kdc_tcp_ports = ${port}`,
    '[realms]',
    `  ${realm} = {`,
    `    database_name = ${join(dir, 'principal')}`,
    `    key_stash_file = ${join(dir, 'stash')}`,
    `    acl_file = ${join(dir, 'kadm5.acl')}`,
    '    master_key_type = aes256-cts-hmac-sha1-96',
    `    supported_enctypes = ${ENCTYPES}`,
    '    max_life = 1d',
    '  }',
    '[logging]',
    `  kdc = FILE:${join(dir, 'kdc.log')}`,
    '',
  ].join('\n'))
  await writeFile(join(dir, 'kadm5.acl'), '')
  const masterPassword = randomBytes(18).toString('base64')
  await runTool(dir, 'kdb5_util', ['create', '-s', '-r', realm], `${masterPassword}\n${masterPassword}\n`)
  const admin = (commands: string): Promise<string> => runTool(dir, 'kadmin.local', ['-r', realm], commands)

  const out = openSync(join(dir, 'krb5kdc.out'), 'a')
  const child: ChildProcess = spawn('krb5kdc', ['-n', '-r', realm], {
    env: kdcToolEnv(dir, krb5ConfPath),
    stdio: ['ignore', out, out],
  })
  closeSync(out)
  const alive = (): boolean => child.exitCode === null && child.signalCode === null
  const deadline = Date.now() + 30_000
  while (!(await isPortOpen(port))) {
    if (!alive() || Date.now() > deadline) {
      child.kill('SIGKILL')
      const log = await readFile(join(dir, 'kdc.log'), 'utf8').catch(() => '')
      throw new Error(`krb5kdc did not start on 127.0.0.1:${port}:\n${log.split('\n').slice(-10).join('\n')}`)
    }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  let keytabs = 0
  return {
    realm, kdc: `127.0.0.1:${port}`, port, dir, krb5ConfPath,
    async addKeytabPrincipal(principal) {
      const path = join(dir, `keytab-${++keytabs}.keytab`)
      await admin(`addprinc +requires_preauth -randkey ${principal}\nktadd -k ${path} ${principal}\n`)
      return path
    },
    async addPasswordPrincipal(principal, password) {
      if (/[\s"]/.test(password)) throw new Error('harness passwords must not contain spaces or quotes')
      await admin(`addprinc +requires_preauth -pw ${password} ${principal}\n`)
    },
    async stop() {
      if (alive()) {
        const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(timer)
      }
      if (!options.dir) await rm(dir, { recursive: true, force: true })
    },
  }
}
