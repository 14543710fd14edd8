// The Terraform provider's end-to-end test (terraform-provider.kafka.test.ts) run on the newest Terraform the Go module
// proxy serves (scripts/build-terraform-newest.sh; 1.12+ asks providers for resource identity schemas).
process.env.CLUSTERLINK_TERRAFORM_TOOL = 'terraform-newest'
await import('./terraform-provider.kafka.test.ts')
