// Public surface of provider/lifecycle: the create, adopt and config-alignment flows every IaC front end calls.
export { IMMUTABLE_LINK_CONFIGS, adoptionProblem, planLinkConfigChanges, withDeclaredCredentials } from './link-config-changes.ts'
export { createOrAdoptLink, type LinkCreateHooks, type LinkLifecycleClient } from './link-lifecycle.ts'
export {
  createMirrorBody, createOrAdoptMirror, findOwnMirror, type MirrorCreateHooks, type MirrorIdentity, type MirrorLifecycleClient,
} from './mirror-lifecycle.ts'
export { directionOf, readFailbackCheck, runFailback, type FailbackClient, type FailbackOutcome } from './mirror-failback.ts'
export {
  FAILED_STATUS, MirrorNeedsRecreateError, declaredStatusOf, isRecreateRequired, readBackStatus, resumeFailedMirror,
  shouldResumeFailedMirror, type ResumeFailedMirrorOptions,
} from './mirror-resume.ts'
