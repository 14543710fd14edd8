// The provider process as Terraform starts it: refuses to run by hand, prints the go-plugin handshake line, serves
// gRPC only to the client certificate Terraform announced (AutoMTLS), and exits on GRPCController.Shutdown.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import { createPluginCertificate, type PluginCertificate } from '../../provider/terraform/plugin-certificate.ts'
import { MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE } from '../../provider/terraform/plugin-server.ts'

const entry = resolve(import.meta.dirname, '../../provider/terraform/main.ts')
const protocolDir = resolve(import.meta.dirname, '../../provider/terraform/protocol')

type Unary = (request: object, callback: (error: grpc.ServiceError | null, response?: Record<string, unknown>) => void) => void
type ClientConstructor =
  new (address: string, credentials: grpc.ChannelCredentials, options?: object) => grpc.Client & Record<string, Unary>

function derToPem(base64: string): string {
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4)
  return `-----BEGIN CERTIFICATE-----\n${padded.match(/.{1,64}/g)?.join('\n')}\n-----END CERTIFICATE-----\n`
}

function call(client: grpc.Client & Record<string, Unary>, method: string, readyWithinMs = 10_000): Promise<Record<string, unknown>> {
  const request = {}
  return new Promise((resolvePromise, reject) => {
    const deadline = new Date(Date.now() + readyWithinMs)
    client.waitForReady(deadline, (readyError) => {
      if (readyError) return reject(readyError)
      ;(client[method] as Unary).call(client, request, (error, response) => (error ? reject(error) : resolvePromise(response ?? {})))
    })
  })
}

describe('terraform-provider-clusterlink process', () => {
  let child: ChildProcess | undefined
  let handshake: string[] = []
  let clientCertificate: PluginCertificate
  let Provider: ClientConstructor
  let Controller: ClientConstructor

  before(async () => {
    clientCertificate = createPluginCertificate()
    const definition = await protoLoader.load(['tfplugin6.proto', 'go-plugin.proto'], { includeDirs: [protocolDir], keepCase: true, longs: Number, enums: String, bytes: Buffer, defaults: true })
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      tfplugin6: { Provider: ClientConstructor }; plugin: { GRPCController: ClientConstructor }
    }
    Provider = loaded.tfplugin6.Provider
    Controller = loaded.plugin.GRPCController
  })

  after(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL')
  })

  it('the provider should refuse to start without the plugin magic cookie and say how to use it', async () => {
    const process_ = spawn(process.execPath, [entry], { env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    process_.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    const [code] = await once(process_, 'exit') as [number]
    assert.equal(code, 1)
    assert.match(stderr, /Terraform starts it itself/)
  })

  it('the provider should print the go-plugin handshake line for protocol 6 over a unix socket with its certificate', async () => {
    child = spawn(process.execPath, [entry], {
      env: { PATH: process.env.PATH, [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: '5,6', PLUGIN_CLIENT_CERT: clientCertificate.certificatePem },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    const [line] = await once(lines, 'line') as [string]
    handshake = line.split('|')
    assert.equal(handshake.length, 6)
    assert.deepEqual([handshake[0], handshake[1], handshake[2], handshake[4]], ['1', '6', 'unix', 'grpc'])
    assert.doesNotMatch(handshake[5] ?? '', /=$/, 'the certificate is base64 without padding')
  })

  it('the provider should answer GetProviderSchema to the client certificate Terraform announced', async () => {
    const credentials = grpc.credentials.createSsl(Buffer.from(derToPem(handshake[5] ?? '')), Buffer.from(clientCertificate.privateKeyPem), Buffer.from(clientCertificate.certificatePem))
    const client = new Provider(`unix://${handshake[3]}`, credentials, { 'grpc.ssl_target_name_override': 'localhost' })
    const schema = await call(client, 'GetProviderSchema')
    assert.deepEqual(Object.keys(schema.resource_schemas as object).sort(), ['clusterlink_link', 'clusterlink_mirror_topic'])
    client.close()
  })

  it('the provider should refuse a client certificate other than the announced one', async () => {
    const stranger = createPluginCertificate()
    const credentials = grpc.credentials.createSsl(Buffer.from(derToPem(handshake[5] ?? '')), Buffer.from(stranger.privateKeyPem), Buffer.from(stranger.certificatePem))
    const client = new Provider(`unix://${handshake[3]}`, credentials, { 'grpc.ssl_target_name_override': 'localhost' })
    // The TLS handshake fails on every attempt, so the channel never gets ready.
    await assert.rejects(call(client, 'GetProviderSchema', 2000))
    client.close()
  })

  it('the provider should answer UNIMPLEMENTED for RPCs it does not serve (MoveResourceState, functions)', async () => {
    const credentials = grpc.credentials.createSsl(Buffer.from(derToPem(handshake[5] ?? '')), Buffer.from(clientCertificate.privateKeyPem), Buffer.from(clientCertificate.certificatePem))
    const client = new grpc.Client(`unix://${handshake[3]}`, credentials, { 'grpc.ssl_target_name_override': 'localhost' })
    for (const method of ['/tfplugin6.Provider/MoveResourceState', '/tfplugin6.Provider/GetFunctions']) {
      const error = await new Promise<grpc.ServiceError | null>((resolvePromise) => {
        client.makeUnaryRequest(method, (value: Buffer) => value, (value: Buffer) => value, Buffer.alloc(0),
          (failure) => resolvePromise(failure))
      })
      assert.equal(error?.code, grpc.status.UNIMPLEMENTED, method)
    }
    client.close()
  })

  it('GRPCController.Shutdown should make the provider exit', async () => {
    const credentials = grpc.credentials.createSsl(Buffer.from(derToPem(handshake[5] ?? '')), Buffer.from(clientCertificate.privateKeyPem), Buffer.from(clientCertificate.certificatePem))
    const controller = new Controller(`unix://${handshake[3]}`, credentials, { 'grpc.ssl_target_name_override': 'localhost' })
    const exited = once(child as ChildProcess, 'exit')
    await call(controller, 'Shutdown')
    const [code] = await exited as [number]
    assert.equal(code, 0)
    controller.close()
  })
})
