/**
 * This app's seats in pools, kept in the store: the mask key pair is made here at join, its
 * private half sealed under a label naming the seat (a sealed key copied to another row does
 * not open), and the pool pump reads the seats back from the store.
 */
import { createPrivateKey } from 'node:crypto';
import { generateMaskKeyPair, type MaskKeyPair } from '../../aggregation/index.js';
import type { Sealer } from '../crypto/sealing.js';
import type { SellerStore } from '../store/seller-store.js';
import type { PoolSeatConfig } from './member.js';

export const maskKeyLabel = (channel: string, poolId: string, user: string) =>
  `pool-mask-key:${channel}:${poolId}:${user}`;

/** A fresh mask key pair for a seat, stored sealed before its public key goes on chain. */
export async function newSeat(
  store: SellerStore,
  sealer: Sealer,
  seat: { channel: string; poolId: string; user: string; datasetId: string },
): Promise<MaskKeyPair> {
  const keys = generateMaskKeyPair();
  const der = keys.privateKey.export({ format: 'der', type: 'pkcs8' });
  await store.putPoolSeat({
    ...seat,
    maskPublicKey: keys.publicKey,
    sealedMaskPrivateKey: sealer.seal(der, maskKeyLabel(seat.channel, seat.poolId, seat.user)),
    createdAt: Date.now(),
  });
  der.fill(0);
  return keys;
}

/** Every seat of this app with its mask key pair opened (for the pool pump). */
export async function storedSeats(store: SellerStore, sealer: Sealer): Promise<PoolSeatConfig[]> {
  const seats = await store.listPoolSeats();
  return seats.map((seat) => {
    const der = sealer.open(
      seat.sealedMaskPrivateKey,
      maskKeyLabel(seat.channel, seat.poolId, seat.user),
    );
    const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    der.fill(0);
    return {
      channel: seat.channel,
      poolId: seat.poolId,
      user: seat.user,
      datasetId: seat.datasetId,
      maskKeys: { privateKey, publicKey: seat.maskPublicKey },
    };
  });
}
