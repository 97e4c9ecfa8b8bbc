import { z } from 'zod';
import { SELF_SIGNED_FUNCTIONS } from '../ledger/offline-transactions.js';
import { amountField, channelParam, txIdField } from './fields.js';

/** Requests and answers of user onboarding (routes/admin.ts) and non-custodial mode (routes/self-custody.ts). */

export const userNameField = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'expected a user name: letters, digits, . _ @ -')
  .meta({ description: 'the enrolment id at the CA and the user name at the app' });

const pemField = (label: string, max: number) =>
  z
    .string()
    .max(max)
    .regex(
      new RegExp(
        `^-----BEGIN ${label}-----\\r?\\n[A-Za-z0-9+/=\\r\\n]+-----END ${label}-----\\r?\\n?$`,
      ),
      `expected a PEM ${label.toLowerCase()}`,
    );

export const addUserBody = z.strictObject({
  name: userNameField,
  role: z.enum(['buyer', 'seller', 'auditor']),
  csr: pemField('CERTIFICATE REQUEST', 8192).optional().meta({
    description:
      'non-custodial: the PKCS#10 request of a key the user made and keeps; the app enrolls it and never sees the key',
  }),
});

export const addedUserSchema = z
  .object({
    name: z.string(),
    role: z.enum(['buyer', 'seller', 'auditor']),
    custody: z.enum(['app', 'self']),
    token: z.string().meta({ description: "the user's API token: shown once, never stored" }),
    certificate: z.string().meta({ description: 'the certificate the CA issued (PEM)' }),
    mspId: z.string(),
  })
  .meta({ id: 'AddedUser' });

export const appUserSchema = z
  .object({
    name: z.string(),
    role: z.enum(['buyer', 'seller', 'auditor']),
    custody: z.enum(['app', 'self']),
    revoked: z.boolean(),
    createdAt: z.number().int(),
  })
  .meta({ id: 'AppUser' });

export const appUsersSchema = z.object({ users: z.array(appUserSchema) }).meta({ id: 'AppUsers' });

export const revokedUserSchema = z
  .object({
    name: z.string(),
    revoked: z.literal(true),
    serial: z.string().meta({ description: "the revoked certificate's serial (hex)" }),
    channelsUpdated: z
      .array(z.string())
      .meta({ description: "channels whose MSP now carries the org's CRL" }),
  })
  .meta({ id: 'RevokedUser' });

export const userParams = z.object({ name: userNameField });

// ---- non-custodial ----

export const selfTxParams = z.object({ channel: channelParam, txId: txIdField });

export const proposeBody = z.strictObject({
  fn: z.enum(SELF_SIGNED_FUNCTIONS),
  args: z.array(z.string().max(16 * 1024)).max(8),
});

export const signatureBody = z.strictObject({
  signature: z
    .string()
    .regex(/^[A-Za-z0-9+/]{8,200}={0,2}$/, 'expected a base64 DER ECDSA signature')
    .meta({ description: 'base64 of the DER ECDSA signature over the digest' }),
});

export const toSignSchema = z
  .object({
    txId: txIdField,
    stage: z.enum(['proposal', 'transaction', 'commit']),
    digest: z.string().meta({ description: 'base64 of the SHA-256 digest to sign' }),
  })
  .meta({ id: 'ToSign', description: 'the next message to sign, by its digest' });

export const selfCommittedSchema = z
  .object({
    txId: txIdField,
    blockNumber: z.string(),
    result: z.unknown().meta({ description: "the contract's answer (the trade)" }),
  })
  .meta({ id: 'SelfSignedCommit' });

export const selfAccountSchema = z
  .object({
    user: z.string(),
    mspId: z.string(),
    channel: z.string(),
    accountId: z.string(),
    balance: amountField,
    custody: z.literal('self'),
  })
  .meta({ id: 'SelfAccount' });

export const encryptedDeliverySchema = z
  .object({
    tradeId: txIdField,
    encryptedResult: z.string(),
    resultDigest: z.string(),
  })
  .meta({
    id: 'EncryptedDelivery',
    description: 'the delivered result, still encrypted to the buyer',
  });
