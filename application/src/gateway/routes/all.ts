import { adminRoutes } from './admin.js';
import { auditorRoutes } from './auditor.js';
import { balanceRoutes } from './balance.js';
import { buyerRoutes } from './buyer.js';
import { commonRoutes } from './common.js';
import { computationRoutes } from './computations.js';
import { peerRoutes } from './peer.js';
import { poolBuyerRoutes } from './pools-buyer.js';
import { poolPeerRoutes } from './pools-peer.js';
import { poolRoutes } from './pools.js';
import type { Route } from './route.js';
import { selfCustodyRoutes } from './self-custody.js';
import { sellerRoutes } from './seller.js';

/** Every route of every role, in the order they are mounted and documented. */
export const ALL_ROUTES: readonly Route[] = [
  ...commonRoutes,
  ...balanceRoutes,
  ...buyerRoutes,
  ...sellerRoutes,
  ...peerRoutes,
  ...auditorRoutes,
  ...adminRoutes,
  ...selfCustodyRoutes,
  ...computationRoutes,
  ...poolRoutes,
  ...poolBuyerRoutes,
  ...poolPeerRoutes,
];

/** Routes whose success needs a real network (a Fabric CA, offline signing): e2e-onboarding. */
export const NETWORK_TESTED_ROUTES: readonly Route[] = [...adminRoutes, ...selfCustodyRoutes];
