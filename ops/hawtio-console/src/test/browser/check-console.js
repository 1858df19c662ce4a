// Drives headless Chromium through the EdgeSync Hawtio console as an operator would: opens each connection from the
// console's front page, lists the Camel routes, draws a route diagram, and finds the broker queue in the JMX tree.
// usage: node check-console.js EXPECTATIONS.json
//   {"console": "http://127.0.0.1:8090/", "chromium": "/usr/bin/chromium", "screenshots": "DIR", "failures": "DIR",
//    "profile": "DIR",
//    "connections": [{"name": "edge", "routes": ["poll-changes"], "diagramRoute": "forward-batches",
//                     "queues": ["edgesync.batches"], "screenshot": "hawtio-routes.png"}, ...]}
// Prints one line per check; exits 1 naming everything that was missing, 2 on a usage or browser error.
'use strict';

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const TIMEOUT_MS = Number(process.env.HAWTIO_CHECK_TIMEOUT_MS || 60000);

async function main() {
  if (process.argv.length !== 3) {
    console.error('usage: node check-console.js EXPECTATIONS.json');
    return 2;
  }
  const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  fs.mkdirSync(spec.screenshots, { recursive: true });
  const context = await chromium.launchPersistentContext(spec.profile, {
    executablePath: spec.chromium,
    headless: true,
    // --user-data-dir is the profile directory above, fresh for every run
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 860 },
  });
  const missing = [];
  try {
    for (const connection of spec.connections) {
      missing.push(...await checkConnection(context, spec, connection));
    }
  } finally {
    await context.close();
  }
  if (missing.length > 0) {
    console.log('MISSING: ' + missing.join('; '));
    return 1;
  }
  console.log('OK: every expected route and queue is shown');
  return 0;
}

async function checkConnection(context, spec, connection) {
  const missing = [];
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  const name = connection.name;

  // The front page stores the connection in the browser and forwards to Hawtio connected to it.
  await page.goto(new URL('?open=' + name, spec.console).toString());
  await page.waitForURL(/\/hawtio\/camel\//);
  const badge = await page.locator('header').innerText();
  console.log(`${name}: Hawtio opened ${page.url()} (header shows "${badge.trim().split('\n')[0]}")`);

  // Routes of the Camel context, with their exchange counters.
  await page.getByText('routes', { exact: true }).first().click();
  await page.getByRole('tab', { name: 'Routes' }).or(page.getByText('Routes', { exact: true })).first().click();
  const table = page.locator('table').first();
  await table.waitFor();
  const shown = await waitForNames(() => table.locator('tbody tr td:nth-child(2)').allInnerTexts(), connection.routes);
  console.log(`${name}: routes listed: ${shown.join(', ')}`);
  for (const route of connection.routes) {
    if (!shown.includes(route)) {
      missing.push(`route ${route} on ${name}`);
    }
  }
  if (!connection.routes.every((route) => shown.includes(route))) {
    await failureScreenshot(page, spec, `${name}-routes.png`);
  }
  const header = await table.locator('thead').innerText();
  if (!/Completed/.test(header)) {
    missing.push(`exchange counters (Completed column) on ${name}`);
  }
  if (connection.screenshot) {
    await screenshot(page, spec, connection.screenshot);
  }

  // The diagram of one route: Hawtio draws it from the read-only dump operations the Jolokia policy allows.
  if (connection.diagramRoute) {
    await page.setViewportSize({ width: 1400, height: 1500 }); // a route is drawn top to bottom: room for more steps
    await page.getByText(connection.diagramRoute, { exact: true }).first().click();
    await page.getByText('Route Diagram', { exact: true }).first().click();
    const nodes = page.locator('.react-flow__node');
    try {
      await nodes.first().waitFor();
      console.log(`${name}: diagram of ${connection.diagramRoute} has ${await nodes.count()} steps`);
      if (connection.diagramScreenshot) {
        await page.waitForTimeout(1000); // let the layout settle before the picture
        await screenshot(page, spec, connection.diagramScreenshot);
      }
    } catch (e) {
      missing.push(`route diagram of ${connection.diagramRoute} on ${name}`);
      await failureScreenshot(page, spec, `${name}-diagram.png`);
    }
    await page.setViewportSize({ width: 1400, height: 860 });
  }

  // Broker queues live in the JMX tree, under the Artemis domain: filter the tree by the queue's name, then open the
  // node whose MBean is the queue itself (the address of the same name is another node).
  for (const queue of connection.queues || []) {
    await page.getByText('JMX', { exact: true }).first().click();
    await page.getByText('org.apache.activemq.artemis', { exact: true }).first().waitFor();
    await page.locator('input').first().fill(queue);
    const queueMBean = page.getByText(`subcomponent=queues,routing-type="anycast",queue="${queue}"`, { exact: false });
    const candidates = page.getByText(queue, { exact: true });
    await candidates.first().waitFor({ timeout: TIMEOUT_MS / 2 }).catch(() => {});
    let found = false;
    const deadline = Date.now() + TIMEOUT_MS / 2;
    while (!found && Date.now() < deadline) {
      for (let i = 0; i < await candidates.count() && !found; i++) {
        await candidates.nth(i).click();
        found = await queueMBean.first().waitFor({ timeout: 3000 }).then(() => true, () => false);
      }
      if (!found) {
        await page.waitForTimeout(500);
      }
    }
    if (found) {
      console.log(`${name}: broker queue ${queue} shown: ${(await queueMBean.first().innerText()).trim()}`);
      await page.getByText('Message Count', { exact: true }).or(page.getByText('MessageCount', { exact: true }))
        .first().waitFor({ timeout: 10000 }).catch(() => {});
      if (connection.queueScreenshot) {
        await screenshot(page, spec, connection.queueScreenshot);
      }
    } else {
      missing.push(`broker queue ${queue} on ${name}`);
      await failureScreenshot(page, spec, `${name}-queue-${queue}.png`);
    }
  }
  await page.close();
  return missing;
}

/** Polls the listed names until every expected one shows (counters refresh, the tree loads lazily) or time runs out. */
async function waitForNames(read, expected) {
  const deadline = Date.now() + TIMEOUT_MS / 2;
  let names = [];
  for (;;) {
    names = (await read()).map((text) => text.replace(/\s+/g, '').trim());
    if (expected.every((name) => names.includes(name)) || Date.now() > deadline) {
      return names;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** What the browser showed when a check failed, kept apart from the screenshots the README shows. */
async function failureScreenshot(page, spec, file) {
  const dir = spec.failures || spec.screenshots;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, 'failed-' + file) });
  console.log(`failure screenshot ${path.join(dir, 'failed-' + file)}`);
}

async function screenshot(page, spec, file) {
  const target = path.join(spec.screenshots, file);
  await page.screenshot({ path: target });
  console.log(`screenshot ${target}`);
}

main().then((code) => process.exit(code), (error) => {
  console.error('browser check failed: ' + (error && error.stack ? error.stack : error));
  process.exit(2);
});
