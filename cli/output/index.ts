// Public surface of cli/output: tables, JSON, engine connection flags and exit codes shared by the link and mirror commands.
export { formatTable } from './format-table.ts'
export { CONNECTION_FLAGS, CONNECTION_HELP, EXIT, UsageError, createClient, defaultIo, outputFormat, parseConfigPairs, printJson, reportError, type CommandIo, type OutputFormat } from './command-context.ts'
