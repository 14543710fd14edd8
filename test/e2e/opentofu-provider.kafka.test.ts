// The Terraform provider's end-to-end test (terraform-provider.kafka.test.ts: init, plan, apply, drift, import, failover,
// promote, replacement, destroy) run on OpenTofu, found on PATH or built once from the Go module proxy.
process.env.CLUSTERLINK_TERRAFORM_TOOL = 'opentofu'
await import('./terraform-provider.kafka.test.ts')
