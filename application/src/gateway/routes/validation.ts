import type { z } from 'zod';

/** Where a request value came from, as a 400 message names it. */
export type Where = 'path' | 'query' | 'body';

/** A dotted field path with [i] for array indexes: users[1].tokenSha256. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text ? `.${String(key)}` : String(key);
  }
  return text;
}

/** The field an issue is about and what is wrong with it (an unknown key names that key). */
export function describeIssue(issue: z.core.$ZodIssue): { field: string; message: string } {
  if (issue.code === 'unrecognized_keys') {
    const [key] = issue.keys;
    return { field: fieldPath([...issue.path, key ?? '']), message: 'unknown field' };
  }
  return { field: fieldPath(issue.path), message: issue.message };
}

/** The first problem of a failed parse, naming the field: "body field 'datasetId': ...". */
export function validationMessage(where: Where, error: z.ZodError): string {
  const [issue] = error.issues;
  if (!issue) return `malformed ${where}`;
  const { field, message } = describeIssue(issue);
  const label = {
    path: `path parameter '${field}'`,
    query: `query parameter '${field}'`,
    body: field ? `body field '${field}'` : 'body',
  }[where];
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problems)` : '';
  return `${label}: ${message}${more}`;
}
