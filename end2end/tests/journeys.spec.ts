import * as fs from 'node:fs';
import {
  DEVICES,
  PASSWORD,
  confirmWith,
  currentRow,
  currentSessionId,
  expect,
  openDevice,
  screenshot,
  screenshots,
  signIn,
  test,
  waitForHydration,
} from './fixtures';

test('an account owner filters the account sessions by user and application', async ({ browser }) => {
  const employee = await openDevice(browser, DEVICES.iphone);
  await signIn(employee.page, 'marie@ektek.example');
  const mariesPhone = await currentSessionId(employee.page);
  const owner = await openDevice(browser, DEVICES.windowsChrome);
  const page = owner.page;
  await signIn(page, 'henk@ektek.example');
  await page.getByRole('link', { name: 'Ektek GmbH sessions' }).click();
  await expect(page.getByRole('heading', { name: 'Account sessions' })).toBeVisible();
  await waitForHydration(page);
  for (const column of ['User', 'Account', 'Application', 'IP (Location)', 'Device (Browser)', 'Created on', 'Last active']) {
    await expect(page.getByRole('columnheader', { name: column, exact: true })).toBeVisible();
  }
  const everyone = await page.locator('tbody tr').count();
  await screenshots(page, 'account-sessions');
  // Newest first: this brand-new session leads; oldest first, it comes last.
  await expect(page.locator('tbody tr').first()).toContainText('This device');
  await page.getByLabel('Sort').selectOption({ label: 'Oldest first' });
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/sort=oldest/);
  await expect(page.locator('tbody tr').last()).toContainText('This device');
  await page.goBack();
  await expect(page.locator('tbody tr').first()).toContainText('This device');

  await page.getByLabel('User').selectOption({ label: 'Marie Schmidt' });
  await page.getByLabel('Application').selectOption({ label: 'Web' });
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/user=\d+/);
  await expect(page).toHaveURL(/app=\d+/);
  const rows = page.locator('tbody tr');
  // Marie's phone, just signed in through the web app, is among them.
  await expect(page.locator(`tr[data-session-id="${mariesPhone}"]`)).toContainText('iOS 17.6.1');
  const filtered = await rows.count();
  expect(filtered).toBeLessThan(everyone);
  for (const row of await rows.all()) {
    await expect(row).toContainText('Marie Schmidt');
    await expect(row).toContainText('Web');
  }
  await expect(page.getByText(`${filtered} session`)).toBeVisible();

  // The filters live in the URL: Back returns to everyone.
  await page.goBack();
  await expect(page).not.toHaveURL(/user=/);
  await expect(page.locator('tbody tr')).toHaveCount(everyone);
  expect(owner.errors).toEqual([]);
  expect(employee.errors).toEqual([]);
  await owner.context.close();
  await employee.context.close();
});

test('a platform admin ends a session in another account and that device is signed out', async ({ browser }) => {
  const admin = await openDevice(browser, DEVICES.macFirefox);
  const target = await openDevice(browser, DEVICES.iphone);
  await signIn(target.page, 'anna@nordlicht.example');
  const annaSession = await currentSessionId(target.page);

  await signIn(admin.page, 'admin@sessionboard.example');
  await admin.page.getByRole('link', { name: 'All sessions' }).click();
  await expect(admin.page.getByRole('heading', { name: 'All sessions' })).toBeVisible();
  await waitForHydration(admin.page);
  await screenshots(admin.page, 'all-sessions');
  await admin.page.getByLabel('Search').fill('anna@nordlicht');
  await admin.page.getByRole('button', { name: 'Apply' }).click();
  await expect(admin.page).toHaveURL(/q=anna%40nordlicht/);
  const row = admin.page.locator(`tr[data-session-id="${annaSession}"]`);
  await expect(row).toContainText('Nordlicht Logistik AG');
  await row.getByRole('button', { name: /Terminate/ }).click();
  await confirmWith(admin.page, 'Terminate');
  await expect(row).toHaveCount(0);
  await expect(admin.page.getByRole('status').filter({ hasText: 'terminated' })).toHaveText('Session terminated.');

  // No reload on Anna's phone: its open page notices within a few seconds.
  await expect(target.page).toHaveURL(/\/login$/, { timeout: 15_000 });
  expect(admin.errors).toEqual([]);
  await admin.context.close();
  await target.context.close();
});

test('a sales representative acts as a customer without becoming one of their sessions', async ({ browser }) => {
  const rep = await openDevice(browser, DEVICES.windowsChrome);
  const customer = await openDevice(browser, DEVICES.iphone);
  await signIn(rep.page, 'markus.bauer@sessionboard.example');
  const repSession = await currentSessionId(rep.page);

  await rep.page.getByRole('link', { name: 'Act as customer' }).click();
  await waitForHydration(rep.page);
  await rep.page.getByLabel('Customer').fill('henk');
  await rep.page.getByRole('button', { name: 'Find' }).click();
  await expect(rep.page.getByRole('button', { name: 'Act as Henk Becker (Ektek GmbH)' })).toBeVisible();
  await screenshots(rep.page, 'act-as');
  await rep.page.getByRole('button', { name: 'Act as Henk Becker (Ektek GmbH)' }).click();

  await expect(rep.page).toHaveURL(/\/sessions$/);
  const banner = rep.page.getByText('Acting as Henk Becker (Ektek GmbH)');
  await expect(banner).toBeVisible();
  await expect(rep.page.getByRole('button', { name: 'Return to my account' })).toBeVisible();
  await waitForHydration(rep.page);
  await expect(rep.page.locator('tbody tr').first()).toBeVisible();
  await expect(rep.page.locator(`tr[data-session-id="${repSession}"]`)).toHaveCount(0);
  await expect(currentRow(rep.page)).toHaveCount(0);
  await screenshots(rep.page, 'acting-as-customer');

  // Henk's own view does not list the representative's session either.
  await signIn(customer.page, 'henk@ektek.example');
  await expect(customer.page.locator(`tr[data-session-id="${repSession}"]`)).toHaveCount(0);

  // Admins see it in the audit log.
  const admin = await openDevice(browser, DEVICES.macFirefox);
  await signIn(admin.page, 'admin@sessionboard.example');
  await admin.page.getByRole('link', { name: 'Audit log' }).click();
  const entry = admin.page.getByRole('row').filter({ hasText: 'Markus Bauer' }).first();
  await expect(entry).toContainText('Henk Becker');
  await expect(entry).toContainText('still acting');
  await screenshots(admin.page, 'audit-log');

  await rep.page.getByRole('button', { name: 'Return to my account' }).click();
  await expect(banner).toHaveCount(0);
  await expect(rep.page.locator('.who-name')).toHaveText('Markus Bauer');
  await expect(currentRow(rep.page)).toHaveCount(1);
  for (const device of [rep, customer, admin]) {
    expect(device.errors).toEqual([]);
    await device.context.close();
  }
});

test('turning geolocation off affects new sessions only', async ({ browser }) => {
  const london = '81.2.69.142';
  const owner = await openDevice(browser, DEVICES.macFirefox, undefined, london);
  await signIn(owner.page, 'sven@nordlicht.example');
  const ownerSession = await currentSessionId(owner.page);
  await expect(currentRow(owner.page)).toContainText('London');

  await owner.page.getByRole('link', { name: 'Settings' }).click();
  const toggle = owner.page.getByLabel('Store geolocation information');
  await waitForHydration(owner.page);
  await expect(toggle).toBeChecked();
  await expect(owner.page.getByText('affects new sessions only')).toBeVisible();
  await toggle.uncheck();
  await expect(owner.page.getByRole('status')).toHaveText('Saved.');
  await screenshots(owner.page, 'settings');

  const employee = await openDevice(browser, DEVICES.iphone, undefined, london);
  await signIn(employee.page, 'anna@nordlicht.example');
  await expect(currentRow(employee.page)).toContainText('Unknown location');
  await expect(currentRow(employee.page)).toContainText('iOS 17.6.1');

  await owner.page.getByRole('link', { name: 'My sessions' }).click();
  await expect(owner.page.locator(`tr[data-session-id="${ownerSession}"]`)).toContainText('London');

  // Back on, for whoever comes next.
  await owner.page.getByRole('link', { name: 'Settings' }).click();
  await waitForHydration(owner.page);
  await owner.page.getByLabel('Store geolocation information').check();
  await expect(owner.page.getByRole('status')).toHaveText('Saved.');
  expect(owner.errors).toEqual([]);
  expect(employee.errors).toEqual([]);
  await owner.context.close();
  await employee.context.close();
});

test('the sign-in history lists failed and successful attempts, filterable by outcome', async ({ browser }) => {
  // Someone guesses Klaus's password on a phone; Klaus signs in on his desktop.
  const phone = await openDevice(browser, DEVICES.iphone);
  await phone.page.goto('/login');
  await waitForHydration(phone.page);
  await phone.page.getByLabel('Email').fill('klaus@ektek.example');
  await phone.page.getByLabel('Password').fill('a wrong guess');
  await phone.page.getByRole('button', { name: 'Sign in' }).click();
  await expect(phone.page.getByRole('alert')).toBeVisible();
  await phone.context.close();
  const device = await openDevice(browser, DEVICES.windowsChrome);
  const page = device.page;
  await signIn(page, 'klaus@ektek.example');

  await page.getByRole('link', { name: 'Sign-in history' }).click();
  await waitForHydration(page);
  const failed = page.getByRole('cell', { name: 'Failed: wrong email or password' });
  const succeeded = page.getByRole('cell', { name: 'Succeeded' });
  await expect(failed.first()).toBeVisible();
  await expect(succeeded.first()).toBeVisible();
  await screenshots(page, 'history');
  await page.getByLabel('Outcome').selectOption({ label: 'Failed' });
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/outcome=invalid_credentials/);
  await expect(succeeded).toHaveCount(0);
  await expect(failed.first()).toBeVisible();
  await expect(page.getByRole('row').filter({ has: failed.first() })).toContainText('iOS 17.6.1');
  expect(device.errors).toEqual([]);
  await device.context.close();
});

test('several sessions end at once, and then all the others', async ({ browser }) => {
  const phone = await openDevice(browser, DEVICES.iphone);
  await signIn(phone.page, 'michael.sommer@sessionboard.example');
  const device = await openDevice(browser, DEVICES.windowsChrome);
  const page = device.page;
  await signIn(page, 'michael.sommer@sessionboard.example');
  const others = page.locator('tbody tr:not(.current)');
  const before = await others.count();
  expect(before).toBeGreaterThanOrEqual(3);
  // Relative times keep themselves current: this session is brand new.
  await expect(currentRow(page)).toContainText('just now');

  const boxes = others.getByRole('checkbox');
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  await page.getByRole('button', { name: 'Terminate selected (2)' }).click();
  await confirmWith(page, 'Terminate selected');
  await expect(page.getByRole('status').filter({ hasText: 'terminated' })).toHaveText('2 sessions terminated.');
  await expect(others).toHaveCount(before - 2);

  await page.getByRole('button', { name: 'Terminate all other sessions' }).click();
  await confirmWith(page, 'Terminate all others');
  await expect(others).toHaveCount(0);
  await expect(currentRow(page)).toHaveCount(1);
  // The phone was one of the others: its open page is sent to sign in.
  await expect(phone.page).toHaveURL(/\/login$/, { timeout: 15_000 });
  expect(device.errors).toEqual([]);
  expect(phone.errors).toEqual([]);
  await device.context.close();
  await phone.context.close();
});

test('a platform admin creates an API key an application then uses, and revokes it', async ({ browser, playwright }) => {
  const admin = await openDevice(browser, DEVICES.macFirefox);
  const page = admin.page;
  await signIn(page, 'admin@sessionboard.example');
  await page.getByRole('link', { name: 'API keys' }).click();
  await waitForHydration(page);
  await page.getByLabel('Application').selectOption({ label: 'iOS app' });
  await page.getByLabel('Label').fill('e2e back end');
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = (await page.locator('.secret-value').textContent())!.trim();
  expect(secret).toMatch(/^sbk_[A-Za-z0-9_-]{43}$/);
  await screenshots(page, 'api-keys');

  // The iOS app's back end signs a phone in with the new key.
  const baseURL = test.info().project.use.baseURL;
  const backEnd = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { 'X-Api-Key': secret } });
  const signedIn = await backEnd.post('/api/v1/sessions', {
    data: { email: 'klaus@ektek.example', password: 'sessionboard', user_agent: DEVICES.iphone, ip: '81.2.69.142' },
  });
  expect(signedIn.status()).toBe(201);
  const { token } = await signedIn.json();
  const valid = await backEnd.get('/api/v1/session', { headers: { Authorization: `Bearer ${token}` } });
  expect(valid.status()).toBe(200);
  expect((await valid.json()).user.name).toBe('Klaus Herpich');

  await page.getByRole('row').filter({ hasText: 'e2e back end' }).getByRole('button', { name: /Revoke/ }).click();
  await confirmWith(page, 'Revoke');
  await expect(page.getByRole('row').filter({ hasText: 'e2e back end' })).toContainText('Revoked');
  const refused = await backEnd.get('/api/v1/session', { headers: { Authorization: `Bearer ${token}` } });
  expect(refused.status()).toBe(401);
  expect(refused.headers()['content-type']).toBe('application/problem+json');
  expect((await refused.json()).type).toBe('/api/v1/problems/invalid-api-key');

  expect(admin.errors).toEqual([]);
  await backEnd.dispose();
  await admin.context.close();
});

test('a sales representative acts only as people of the accounts they serve', async ({ browser }) => {
  // Markus serves Ektek and Nordlicht; Michael only Nordlicht. Henk belongs to both.
  const markus = await openDevice(browser, DEVICES.windowsChrome);
  await signIn(markus.page, 'markus.bauer@sessionboard.example');
  const michael = await openDevice(browser, DEVICES.macFirefox);
  await signIn(michael.page, 'michael.sommer@sessionboard.example');

  await michael.page.getByRole('link', { name: 'Act as customer' }).click();
  await waitForHydration(michael.page);
  await michael.page.getByLabel('Customer').fill('henk');
  await michael.page.getByRole('button', { name: 'Find' }).click();
  await expect(michael.page.getByRole('button', { name: 'Act as Henk Becker (Nordlicht Logistik AG)' })).toBeVisible();
  await expect(michael.page.getByRole('button', { name: 'Act as Henk Becker (Ektek GmbH)' })).toHaveCount(0);

  // Nor can he ask the server directly for Henk in Ektek (whose ids Markus can see).
  const form = { Origin: new URL(michael.page.url()).origin, 'Content-Type': 'application/x-www-form-urlencoded' };
  const found = await markus.context.request.post('/api/find_customers', { headers: form, data: 'search=henk' });
  const ektek = (await found.json()).find((row: { account_name: string }) => row.account_name === 'Ektek GmbH');
  expect(ektek).toBeTruthy();
  const forged = await michael.context.request.post('/api/start_impersonation', {
    headers: form,
    data: `user=${ektek.user_id}&account=${ektek.account_id}`,
  });
  expect(forged.status()).toBe(404);
  await michael.page.reload();
  await waitForHydration(michael.page);
  await expect(michael.page.getByText('Acting as')).toHaveCount(0);

  for (const device of [markus, michael]) {
    expect(device.errors).toEqual([]);
    await device.context.close();
  }
});

test('an owner downloads, then ends, every phone session of one person after typing how many', async ({ browser, playwright, baseURL }) => {
  // Marie's phone with a page open, and eleven more of her phones signing in (the sign-in
  // form's own endpoint, each its own device).
  const phone = await openDevice(browser, DEVICES.iphone);
  await signIn(phone.page, 'marie@ektek.example');
  for (let n = 0; n < 11; n++) {
    const device = await playwright.request.newContext({
      baseURL,
      userAgent: DEVICES.iphone,
      extraHTTPHeaders: { Origin: baseURL!, 'X-Forwarded-For': `203.0.113.${n + 1}` },
    });
    const answer = await device.post('/api/sign_in', {
      form: { email: 'marie@ektek.example', password: PASSWORD },
      maxRedirects: 0,
    });
    expect(answer.status()).toBeLessThan(400);
    await device.dispose();
  }

  const owner = await openDevice(browser, DEVICES.windowsChrome);
  const page = owner.page;
  await signIn(page, 'henk@ektek.example');
  const henksSession = await currentSessionId(page);
  await page.getByRole('link', { name: 'Ektek GmbH sessions' }).click();
  await waitForHydration(page);
  await page.getByLabel('User').selectOption({ label: 'Marie Schmidt' });
  await page.getByLabel('Device').selectOption({ label: 'Phone' });
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/device=phone/);
  const rows = page.locator('tbody tr');
  await expect(rows.first()).toContainText('Marie Schmidt');

  // The view as CSV: the same sessions, a header first.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download CSV' }).click(),
  ]);
  const csv = fs.readFileSync((await download.path())!, 'utf8').trim().split('\n');
  expect(csv[0]).toMatch(/^session_id,user_id,user,/);
  expect(csv.length - 1).toBe(await rows.count());
  for (const line of csv.slice(1)) expect(line).toContain(',phone,');

  await page.getByRole('button', { name: 'End all matching sessions…' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText(/\d+ sessions match/);
  const count = Number((await dialog.locator('.bulk-count').innerText()).split(' ')[0]);
  expect(count).toBeGreaterThanOrEqual(12);
  await expect(dialog.getByRole('listitem').first()).toContainText('Marie Schmidt');
  const end = dialog.getByRole('button', { name: `End ${count} sessions` });
  await expect(end).toBeDisabled();
  const typed = dialog.getByLabel(/To confirm, type/);
  await typed.fill(`end ${count - 1} sessions`);
  await expect(end).toBeDisabled();
  await typed.fill(`end ${count} sessions`);
  await screenshot(page, 'end-matching-confirm');
  await end.click();
  await expect(dialog.getByRole('status')).toHaveText(`Done: ${count} sessions ended.`);
  await screenshot(page, 'end-matching-done');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByText('No active sessions match.')).toBeVisible();

  // Marie's open phone is signed out without a reload; Henk is still signed in.
  await expect(phone.page).toHaveURL(/\/login$/, { timeout: 15_000 });
  await page.getByRole('link', { name: 'Clear filters' }).click();
  await expect(page.locator(`tr[data-session-id="${henksSession}"]`)).toContainText('This device');

  // One entry in the account's change log, with the filter and the count.
  await page.goto(page.url().replace(/\/sessions.*$/, '/changes'));
  const entry = page.locator('tbody tr').filter({ hasText: 'Matching sessions ended' }).first();
  await expect(entry).toContainText('on phone');
  await expect(entry).toContainText(String(count));
  expect(owner.errors).toEqual([]);
  expect(phone.errors).toEqual([]);
  await owner.context.close();
  await phone.context.close();
});
