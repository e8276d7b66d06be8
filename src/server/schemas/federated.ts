// Federated training contracts (role `federated`). Update and model frames are binary (float32/uint32 little-endian
// after a JSON header); only their media type is described here.
import { z } from 'zod';
import { optional } from './common.js';

/** `POST /v1/federated/join` request (the body may be empty). */
export const JoinRequest = z.object({
  clientId: optional(z.string()).meta({ description: 'Rejoin under an id this client had before.' }),
}).meta({ id: 'FederatedJoinRequest' });

const Layout = z.array(z.object({ name: z.string(), size: z.int().min(0) })).meta({ id: 'ParameterLayout' });

/** `POST /v1/federated/join` answer. */
export const JoinInfo = z.object({
  clientId: z.string(), session: z.string(), layout: Layout, rounds: z.int(), secure: z.boolean(), clip: z.number(),
  model: z.unknown().meta({ description: 'The model description the coordinator was started with.' }),
}).meta({ id: 'FederatedJoinInfo' });

/** `GET /v1/federated/round` answer. */
export const RoundInfo = z.object({
  round: z.int(), rounds: z.int(), attempt: z.int(), phase: z.enum(['collect', 'masked', 'finished']), deadline: z.number(),
  modelVersion: z.string(), secure: z.boolean(), submitted: z.boolean(), committed: z.boolean(),
  participants: z.array(z.object({ id: z.string(), publicKey: z.string(), samples: z.number() })).optional(),
  scale: z.number().optional(), quorum: z.int(),
}).meta({ id: 'FederatedRoundInfo' });

/** `POST /v1/federated/commit` request: a masked round's key commitment. */
export const CommitRequest = z.object({
  // Ranges are the coordinator's to check: a stale round is a 422 `INVALID_UPDATE` (param `round`), not a 400.
  round: z.number(),
  attempt: z.number(),
  publicKey: z.string().meta({ description: 'X25519 public key for this attempt, base64url (43 characters).' }),
  samples: z.number().meta({ description: 'The client\'s sample count for this round.' }),
}).meta({ id: 'FederatedCommitRequest' });

/** `POST /v1/federated/commit` answer. */
export const CommitAck = z.object({ committed: z.literal(true) }).meta({ id: 'FederatedCommitAck' });

/** `POST /v1/federated/update` answer. */
export const UpdateAck = z.object({ round: z.int(), bytes: z.int() }).meta({ id: 'FederatedUpdateAck' });

/** `GET /v1/federated/status` answer (see `FederatedStatus`). */
export const FederatedStatus = z.looseObject({
  session: z.string(), round: z.int(), rounds: z.int(), attempt: z.int(), phase: z.enum(['collect', 'masked', 'finished']),
  secure: z.boolean(), quorum: z.int(), clients: z.array(z.looseObject({ id: z.string() })), received: z.array(z.string()),
  modelVersion: z.string(), history: z.array(z.looseObject({ round: z.int() })),
}).meta({ id: 'FederatedStatus' });
