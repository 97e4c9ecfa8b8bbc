import { expect } from 'chai';
import { ALL_ROUTES, NETWORK_TESTED_ROUTES } from '../../../src/gateway/routes/all.js';
import { auditorRouteTests } from './routes/auditor-tests.js';
import { balanceRouteTests } from './routes/balance-tests.js';
import { buyerRouteTests } from './routes/buyer-tests.js';
import { commonRouteTests } from './routes/common-tests.js';
import { hostileSellerTests } from './routes/hostile-seller-tests.js';
import { answered, routeFixture, type RouteFixture } from './routes/fixture.js';
import { onboardingRouteTests } from './routes/onboarding-tests.js';
import { peerRouteTests } from './routes/peer-tests.js';
import { poolRouteTests } from './routes/pool-tests.js';
import { privacyRouteTests } from './routes/privacy-tests.js';
import { sellerRouteTests } from './routes/seller-tests.js';

describe('gateway routes (in process: three apps on the in-process ledger)', function () {
  this.timeout(30_000);
  let fixture: RouteFixture | undefined;
  const fx = () => {
    if (!fixture) throw new Error('the route fixture did not start');
    return fixture;
  };
  before(async () => {
    fixture = await routeFixture();
  });
  after(async () => {
    await fixture?.close();
  });

  commonRouteTests(fx);
  sellerRouteTests(fx);
  buyerRouteTests(fx);
  poolRouteTests(fx);
  peerRouteTests(fx);
  auditorRouteTests(fx);
  balanceRouteTests(fx);
  hostileSellerTests(fx);
  privacyRouteTests(fx);
  onboardingRouteTests(fx);

  // A suite of its own, so it runs after the role suites above.
  describe('coverage', () => {
    it('answered every route with its success status at least once', () => {
      // Onboarding and non-custodial routes need a Fabric CA and offline signing: the network
      // test e2e-onboarding checks that each of them answered its success there.
      const missing = ALL_ROUTES.filter((route) => !NETWORK_TESTED_ROUTES.includes(route))
        .map(
          (route) =>
            `${route.method.toUpperCase()} ${route.path} ${String(route.response.status ?? 200)}`,
        )
        .filter((key) => !answered.has(key));
      expect(missing).to.deep.equal([]);
    });
  });
});
