// Diagnostics (errors and warnings shown by Terraform) and their tfplugin6 wire form.

/** One step of an attribute path: an attribute name (also nested ones), a map key, or a list index. */
export type PathStep = string | { readonly key: string } | number

export interface Diagnostic {
  readonly severity: 'ERROR' | 'WARNING'
  /** One line; Terraform prints it after "Error:". */
  readonly summary: string
  /** What to fix. */
  readonly detail?: string
  /** Attribute path, so Terraform points at the line in the configuration. */
  readonly path?: readonly PathStep[]
}

export function errorDiagnostic(summary: string, detail?: string, path?: readonly PathStep[]): Diagnostic {
  return { severity: 'ERROR', summary, ...(detail === undefined ? {} : { detail }), ...(path === undefined ? {} : { path }) }
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((diagnostic) => diagnostic.severity === 'ERROR')
}

/** Turns any thrown value into one error diagnostic; messages of EngineError and zod already say what to fix. */
export function diagnosticFromError(summary: string, error: unknown): Diagnostic {
  const message = error instanceof Error ? error.message : String(error)
  return errorDiagnostic(summary, message)
}

/** tfplugin6 AttributePath: attribute names, map keys (element_key_string) and list indexes (element_key_int). */
export function toProtoAttributePath(path: readonly PathStep[]): object {
  return {
    steps: path.map((step) =>
      typeof step === 'number'
        ? { element_key_int: step }
        : typeof step === 'string'
          ? { attribute_name: step }
          : { element_key_string: step.key }),
  }
}

export function toProtoDiagnostic(diagnostic: Diagnostic): object {
  return {
    severity: diagnostic.severity,
    summary: diagnostic.summary,
    detail: diagnostic.detail ?? '',
    ...(diagnostic.path && diagnostic.path.length > 0 ? { attribute: toProtoAttributePath(diagnostic.path) } : {}),
  }
}
