// Tests of the generic planning rules: defaults, unknown computed values, volatile outputs and forced replacement.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { changedArguments, planResourceChange } from '../../../provider/terraform/plan-resource-change.ts'
import type { BlockSchema } from '../../../provider/terraform/terraform-schema.ts'
import { isUnknown, type TerraformObject } from '../../../provider/terraform/terraform-value.ts'

const schema: BlockSchema = {
  version: 0,
  description: 'test',
  attributes: [
    { name: 'name', type: 'string', description: 'name', required: true, forceNew: true },
    { name: 'mode', type: 'string', description: 'mode', optional: true, computed: true, default: 'DESTINATION', forceNew: true },
    { name: 'derived', type: 'string', description: 'no default', optional: true, computed: true },
    { name: 'config', type: ['map', 'string'], description: 'config', optional: true },
    { name: 'id', type: 'string', description: 'id', computed: true },
    { name: 'state', type: 'string', description: 'state', computed: true, volatile: true },
  ],
}

const prior: TerraformObject = { name: 'a', mode: 'DESTINATION', derived: 'x', config: { k: 'v' }, id: 'a', state: 'ACTIVE' }

test('planResourceChange should plan defaults and unknown computed values on create', () => {
  const config = { name: 'a', mode: null, derived: null, config: null, id: null, state: null }
  const { planned, requiresReplace } = planResourceChange({ schema, prior: null, proposed: config, config })
  assert.deepEqual(requiresReplace, [])
  assert.equal(planned?.mode, 'DESTINATION')
  assert.ok(isUnknown(planned?.derived))
  assert.ok(isUnknown(planned?.id))
  assert.ok(isUnknown(planned?.state))
  assert.equal(planned?.config, null)
})

test('planResourceChange should keep every computed value when nothing changed', () => {
  const config = { name: 'a', mode: null, derived: null, config: { k: 'v' }, id: null, state: null }
  const { planned, requiresReplace } = planResourceChange({ schema, prior, proposed: prior, config })
  assert.deepEqual(planned, prior)
  assert.deepEqual(requiresReplace, [])
})

test('planResourceChange should mark volatile outputs unknown on an in-place update and keep stable ones', () => {
  const proposed = { ...prior, config: { k: 'w' } }
  const config = { name: 'a', mode: null, derived: null, config: { k: 'w' }, id: null, state: null }
  const { planned, requiresReplace } = planResourceChange({ schema, prior, proposed, config })
  assert.deepEqual(requiresReplace, [])
  assert.equal(planned?.id, 'a')
  assert.ok(isUnknown(planned?.state))
})

test('planResourceChange should plan the default over a value changed behind Terraform, so drift shows', () => {
  const drifted = { ...prior, mode: 'SOURCE' }
  const config = { name: 'a', mode: null, derived: null, config: { k: 'v' }, id: null, state: null }
  const { planned, requiresReplace } = planResourceChange({ schema, prior: drifted, proposed: drifted, config })
  assert.equal(planned?.mode, 'DESTINATION')
  assert.deepEqual(requiresReplace, ['mode'])
})

test('planResourceChange should require replacement for a changed forceNew attribute and plan computed values unknown', () => {
  const proposed = { ...prior, name: 'b' }
  const config = { name: 'b', mode: null, derived: null, config: { k: 'v' }, id: null, state: null }
  const { planned, requiresReplace } = planResourceChange({ schema, prior, proposed, config })
  assert.deepEqual(requiresReplace, ['name'])
  assert.ok(isUnknown(planned?.id))
})

test('planResourceChange should plan nothing for a destroy', () => {
  assert.deepEqual(planResourceChange({ schema, prior, proposed: null, config: null }), { planned: null, requiresReplace: [] })
})

test('changedArguments should list only user-controlled attributes that differ', () => {
  assert.deepEqual(changedArguments(schema, prior, { ...prior, config: {}, state: 'PAUSED' }), ['config'])
})
