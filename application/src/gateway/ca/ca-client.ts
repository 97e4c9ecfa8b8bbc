import { request } from 'node:https';
import { X509Certificate, type KeyObject } from 'node:crypto';
import { signLowS } from './csr.js';

/**
 * A client of the Fabric CA server's REST API (v1), over node:https with the CA's TLS
 * certificate as the only trust root. Enrol is authenticated with the identity's secret
 * (HTTP basic); register, revoke and gencrl with a token signed by a registrar's enrolment
 * key: base64(cert) "." base64(ECDSA over SHA-256 of METHOD.b64(path).b64(body).b64(cert)).
 */

/** Where one org's CA is and who registers users there. */
export interface CaAccess {
  /** https://127.0.0.1:PORT */
  url: string;
  /** The CA's name on the server (its --ca.name). */
  caName: string;
  /** PEM of the certificate that signed the CA server's TLS certificate. */
  tlsCaPem: string;
  /** The registrar: enrolled already, or its id and secret (then enrolled once per app run). */
  registrar: EnrolledIdentity | { id: string; secret: string };
}

/** An enrolled identity: its certificate (PEM) and the private key that belongs to it. */
export interface EnrolledIdentity {
  certificatePem: string;
  privateKey: KeyObject;
}

export class CaError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** Fabric CA's own error codes (e.g. 74 = identity already registered). */
    readonly codes: number[],
  ) {
    super(message);
    this.name = 'CaError';
  }
}

interface CaAnswer<T> {
  success: boolean;
  result: T;
  errors: { code: number; message: string }[];
}

const MAX_ANSWER = 1024 * 1024;

export class FabricCaClient {
  constructor(readonly access: CaAccess) {}

  private call<T>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    auth: string,
    timeoutMs = 30_000,
  ): Promise<T> {
    const bytes = Buffer.from(body === undefined ? '' : JSON.stringify(body));
    const url = new URL(path, this.access.url);
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          ca: this.access.tlsCaPem,
          headers: {
            authorization: auth,
            'content-type': 'application/json',
            'content-length': String(bytes.length),
          },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let total = 0;
          res.on('data', (chunk: Buffer) => {
            total += chunk.length;
            if (total > MAX_ANSWER) req.destroy(new Error('the CA answered more than 1 MiB'));
            else chunks.push(chunk);
          });
          res.on('end', () => {
            let answer: CaAnswer<T>;
            try {
              answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as CaAnswer<T>;
            } catch {
              reject(
                new CaError(`the CA answered ${String(res.statusCode)} without JSON`, 502, []),
              );
              return;
            }
            if (!answer.success) {
              const messages = answer.errors.map((e) => `${String(e.code)}: ${e.message}`);
              reject(
                new CaError(
                  `the CA refused ${path}: ${messages.join('; ') || String(res.statusCode)}`,
                  res.statusCode ?? 500,
                  answer.errors.map((e) => e.code),
                ),
              );
              return;
            }
            resolve(answer.result);
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`the CA did not answer ${path} in time`)));
      req.on('error', (error) => {
        reject(error instanceof CaError ? error : new CaError(error.message, 503, []));
      });
      req.end(bytes);
    });
  }

  /** The authorization token of a registrar for one request. */
  private token(registrar: EnrolledIdentity, method: string, path: string, body: unknown): string {
    const b64 = (data: string | Buffer) => Buffer.from(data).toString('base64');
    const b64cert = b64(registrar.certificatePem);
    const payload = `${method}.${b64(path)}.${b64(JSON.stringify(body))}.${b64cert}`;
    return `${b64cert}.${signLowS(registrar.privateKey, Buffer.from(payload)).toString('base64')}`;
  }

  /** Enrols `id` with its secret: the CA signs the CSR and answers the certificate. */
  async enroll(id: string, secret: string, csrPem: string): Promise<{ certificatePem: string }> {
    const basic = `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
    const result = await this.call<{ Cert: string }>(
      'POST',
      '/api/v1/enroll',
      { certificate_request: csrPem, caname: this.access.caName },
      basic,
    );
    return { certificatePem: Buffer.from(result.Cert, 'base64').toString('utf8') };
  }

  /** Registers a client identity; answers its enrolment secret. */
  async register(
    registrar: EnrolledIdentity,
    user: { id: string; attrs: { name: string; value: string }[]; maxEnrollments?: number },
  ): Promise<string> {
    const body = {
      id: user.id,
      type: 'client',
      affiliation: '',
      max_enrollments: user.maxEnrollments ?? 1,
      attrs: user.attrs.map((attr) => ({ ...attr, ecert: true })),
      caname: this.access.caName,
    };
    const path = '/api/v1/register';
    const result = await this.call<{ secret: string }>(
      'POST',
      path,
      body,
      this.token(registrar, 'POST', path, body),
    );
    return result.secret;
  }

  /**
   * Revokes an identity's certificate (by serial and authority key id), and answers the CA's
   * new CRL (PEM), which must then go into the channel MSP.
   */
  async revoke(
    registrar: EnrolledIdentity,
    certificatePem: string,
    reason = 'keycompromise',
  ): Promise<string> {
    const certificate = new X509Certificate(certificatePem);
    const aki = authorityKeyId(certificate);
    const body = {
      serial: certificate.serialNumber.toLowerCase().replace(/^0+/, ''),
      aki,
      reason,
      gencrl: true,
      caname: this.access.caName,
    };
    const path = '/api/v1/revoke';
    const result = await this.call<{ CRL?: string }>(
      'POST',
      path,
      body,
      this.token(registrar, 'POST', path, body),
    );
    if (!result.CRL) throw new CaError('the CA revoked but answered no CRL', 502, []);
    return Buffer.from(result.CRL, 'base64').toString('utf8');
  }
}

/** The authority key identifier of a certificate, as lowercase hex (how Fabric CA names it). */
function authorityKeyId(certificate: X509Certificate): string {
  // X509Certificate has no accessor for extensions: read the AKI extension from the DER:
  // OID 2.5.29.35, [BOOLEAN critical], OCTET STRING { SEQUENCE { [0] keyIdentifier } }.
  const der = certificate.raw;
  const oid = Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x23]);
  const at = der.indexOf(oid);
  let index = at + oid.length;
  if (der[index] === 0x01) index += 3;
  const shape = [der[index], der[index + 2], der[index + 4]];
  if (at < 0 || shape[0] !== 0x04 || shape[1] !== 0x30 || shape[2] !== 0x80) {
    throw new CaError('the certificate has no authority key identifier', 400, []);
  }
  const length = der[index + 5] ?? 0;
  return der.subarray(index + 6, index + 6 + length).toString('hex');
}
