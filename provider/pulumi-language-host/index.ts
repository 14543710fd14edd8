// Public surface of provider/pulumi-language-host: clusterlink's minimal Pulumi language host for Node.js programs.
export { startLanguageHost, createLanguageRuntime, locateRunner, type LanguageHost, type LanguageHostOptions } from './language-runtime.ts'
export {
  programCommand, runOutcome, runnerConfigKey, EXIT_AFTER_USER_ACTIONABLE_MESSAGE,
  type ProgramCommand, type ProgramRunRequest, type RunOutcome,
} from './program-command.ts'
export { engineAddressOf } from './main.ts'
