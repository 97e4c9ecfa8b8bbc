import express, { type Router } from 'express';
import { z } from 'zod';
import { webAuth } from './web-auth.js';
import { badRequest, conflict, forbidden, notFound } from '../gateway/http/errors.js';
import { ALL_ROUTES } from '../gateway/routes/all.js';
import type { RouteContext } from '../gateway/routes/context.js';
import type { BytesReply, JsonReply, Method } from '../gateway/routes/route.js';
import { validationMessage } from '../gateway/routes/validation.js';
import { datasetParams, tradeParams } from '../gateway/schemas/fields.js';
import { BUILTIN_COMPUTATIONS } from '@datamarket/chaincode/api';
import { ComputeJobs, viewOf, type Job } from './compute-jobs.js';
import { webParams } from './params.js';
import { openEventStream } from './sse.js';

/** An approved computation of the built-in catalogue (src/computations) and its parameters. */
const computeBody = z
  .object({
    computation: z.enum(BUILTIN_COMPUTATIONS),
    params: z.record(z.string(), z.unknown()),
  })
  .strict();
const jobParams = z.object({ jobId: z.string().regex(/^[0-9a-f]{32}$/, 'expected a job id') });

/**
 * The buyer app's web-only compute routes: the page asks the buyer's own app to fetch the
 * bundle (or the free sample), compute on its ciphertexts and keep the encrypted result;
 * then to submit it. Every ledger and seller step is the REST route's own handler, run as the
 * signed-in user, so the page can do nothing the API does not allow.
 */
export function computeRoutes(ctx: RouteContext): Router {
  const router = express.Router();
  const auth = webAuth(ctx, 'buyer', '/web/compute');
  const jobs = new ComputeJobs();
  const buyerOnly = () => {
    if (!ctx.config.roles.includes('buyer')) throw forbidden('computations run in a buyer app');
  };
  const body = (value: unknown) => {
    const parsed = computeBody.safeParse(value);
    if (!parsed.success) throw badRequest(validationMessage('body', parsed.error));
    return parsed.data;
  };
  const json = express.json({ limit: 16 * 1024, strict: true });

  router.post('/web/channels/:channel/trades/:tradeId/compute', auth, json, (req, res) => {
    buyerOnly();
    const user = res.locals.user as string;
    const params = webParams(ctx, tradeParams, req.params);
    const request = body(req.body);
    const job = jobs.create(user, 'trade', params.channel, params.tradeId, request);
    void run(jobs, job, async (progress) => {
      progress(5, 'downloading the bundle from the seller app (checked against the ledger)');
      const bundle = await callRoute<BytesReply>(
        ctx,
        'get',
        '/api/channels/{channel}/trades/{tradeId}/bundle',
        {
          user,
          params,
        },
      );
      return compute(bundle.bytes, request, progress);
    });
    res.status(202).json(viewOf(job));
  });

  router.post('/web/channels/:channel/listings/:datasetId/sample/try', auth, json, (req, res) => {
    buyerOnly();
    const user = res.locals.user as string;
    const params = webParams(ctx, datasetParams, req.params);
    const request = body(req.body);
    const job = jobs.create(user, 'sample', params.channel, params.datasetId, request);
    const path = '/api/channels/{channel}/listings/{datasetId}/sample';
    void run(jobs, job, async (progress) => {
      progress(5, 'fetching the free test sample from the seller app');
      const sample = await callRoute<BytesReply>(ctx, 'get', path, { user, params });
      const computed = await compute(sample.bytes, request, progress);
      progress(90, 'the seller decrypts the test result (free, rate-limited)');
      const reply = await callRoute<JsonReply<{ values: number[] }>>(
        ctx,
        'post',
        `${path}/result`,
        {
          user,
          params,
          body: Buffer.from(computed.result),
        },
      );
      return { ...computed, values: reply.body.values };
    });
    res.status(202).json(viewOf(job));
  });

  const jobOf = (jobId: unknown, user: string) => {
    const { jobId: id } = webParams(ctx, jobParams, { jobId });
    const job = jobs.find(id, user);
    if (!job) throw notFound(`no computation ${id}`);
    return job;
  };
  router.get('/web/jobs/:jobId', auth, (req, res) => {
    res.json(viewOf(jobOf(req.params.jobId, res.locals.user as string)));
  });
  router.get('/web/jobs/:jobId/live', auth, (req, res) => {
    const job = jobOf(req.params.jobId, res.locals.user as string);
    const sink = openEventStream(req, res);
    sink.send('progress', viewOf(job));
    sink.onClose(
      jobs.listen(job.jobId, (view) => {
        sink.send('progress', view);
      }),
    );
  });
  router.post('/web/jobs/:jobId/submit', auth, async (req, res) => {
    const user = res.locals.user as string;
    const job = jobOf(req.params.jobId, user);
    if (
      job.kind !== 'trade' ||
      job.state !== 'done' ||
      !job.result ||
      job.valueCount === undefined
    ) {
      throw conflict('only a finished trade computation can be submitted');
    }
    if (job.submitted) throw conflict('this result was submitted already');
    // Named, with its parameters, so the seller's app can re-execute it before decrypting.
    const reply = await callRoute<JsonReply<unknown>>(
      ctx,
      'post',
      '/api/channels/{channel}/trades/{tradeId}/computed-result',
      {
        user,
        params: { channel: job.channel, tradeId: job.target },
        query: {
          valueCount: String(job.valueCount),
          computation: job.computation,
          params: JSON.stringify(job.params),
        },
        body: Buffer.from(job.result),
      },
    );
    jobs.update(job, { submitted: true, message: 'submitted: the seller app decrypts it next' });
    res.json(reply.body);
  });
  return router;
}

type Progress = (percent: number, message: string) => void;

async function run(
  jobs: ComputeJobs,
  job: Job,
  work: (
    progress: Progress,
  ) => Promise<{ result: Uint8Array; valueCount: number; values?: number[] }>,
): Promise<void> {
  try {
    const done = await work((percent, message) => {
      jobs.update(job, { percent, message });
    });
    jobs.update(job, {
      state: 'done',
      percent: 100,
      message: done.values ? 'decrypted by the seller' : 'computed: ready to submit',
      result: done.result,
      resultBytes: done.result.length,
      valueCount: done.valueCount,
      values: done.values,
    });
  } catch (error) {
    jobs.update(job, { state: 'failed', error: (error as Error).message, message: 'failed' });
  }
}

/** Runs a REST route's handler as `user` (the route's own party and state checks apply). */
async function callRoute<R>(
  ctx: RouteContext,
  method: Method,
  path: string,
  input: { user: string; params: unknown; query?: unknown; body?: unknown },
): Promise<R> {
  const route = ALL_ROUTES.find((r) => r.method === method && r.path === path);
  if (!route) throw new Error(`no route ${method} ${path}`);
  return (await route.run({ query: {}, body: undefined, ...input }, ctx)) as R;
}

/** Lets the event loop send progress before the next CPU-bound step. */
const breathe = () => new Promise((resolve) => setImmediate(resolve));

/** Runs the approved computation on the bundle: the code path the seller re-executes. */
async function compute(
  bundle: Uint8Array,
  request: { computation: string; params: unknown },
  progress: Progress,
) {
  const { runComputation, ParamsError } = await import('../computations/index.js');
  progress(30, `loading the bundle and computing ${request.computation} on its ciphertexts`);
  await breathe();
  try {
    const result = await runComputation(bundle, {
      computationId: request.computation,
      params: request.params,
    });
    progress(90, 'serialized the encrypted result');
    return { result: result.bytes, valueCount: result.valueCount };
  } catch (error) {
    if (error instanceof ParamsError) throw badRequest(error.message);
    throw error;
  }
}
