import {
  DEVICES,
  currentRow,
  currentSessionId,
  expect,
  openDevice,
  screenshot,
  screenshots,
  signIn,
  test,
  waitForHydration,
  waitForMail,
} from './fixtures';

test('signing in shows my active sessions, with this device marked', async ({ browser }) => {
  const phone = await openDevice(browser, DEVICES.iphone);
  await signIn(phone.page, 'henk@ektek.example');
  const phoneSession = await currentSessionId(phone.page);
  const laptop = await openDevice(browser, DEVICES.windowsChrome);
  await signIn(laptop.page, 'henk@ektek.example');
  const page = laptop.page;

  for (const column of ['Device', 'Browser', 'Location', 'IP', 'Application', 'Account', 'Created on', 'Last active']) {
    await expect(page.getByRole('columnheader', { name: column })).toBeVisible();
  }
  // Seven seeded live sessions in two accounts, plus this one (more if other tests signed in
  // as Henk first); the seeded expired and terminated ones never show.
  expect(await page.locator('tbody tr').count()).toBeGreaterThanOrEqual(8);
  for (const row of await page.locator('tbody tr').all()) {
    await expect(row).toContainText(/Ektek GmbH|Nordlicht Logistik AG/);
  }
  await expect(page.getByRole('cell', { name: 'Nordlicht Logistik AG' }).first()).toBeVisible();
  await expect(page.getByText('Henk Becker')).toBeVisible();

  const current = currentRow(page);
  await expect(current).toHaveCount(1);
  // The phone's session is listed, but only as another device.
  const phoneRow = page.locator(`tr[data-session-id="${phoneSession}"]`);
  await expect(phoneRow).toContainText('iOS 17.6.1');
  await expect(phoneRow).not.toContainText('This device');
  await expect(current).toContainText('Windows 10');
  await expect(current).toContainText('Chrome 131.0.0');
  await expect(current).toContainText('Web');
  await expect(current).toContainText('Ektek GmbH');

  await screenshots(page, 'sessions');
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, 'sessions-dark');
  expect(laptop.errors).toEqual([]);
  await laptop.context.close();
  await phone.context.close();
});

test('terminating another device removes it and signs that device out', async ({ browser }) => {
  const laptop = await openDevice(browser, DEVICES.windowsChrome);
  const phone = await openDevice(browser, DEVICES.iphone);
  await signIn(laptop.page, 'marie@ektek.example');
  await signIn(phone.page, 'marie@ektek.example');
  const phoneSession = await currentSessionId(phone.page);

  await laptop.page.reload();
  await waitForHydration(laptop.page);
  const phoneRow = laptop.page.locator(`tr[data-session-id="${phoneSession}"]`);
  await expect(phoneRow).toContainText('iOS 17.6.1');
  await phoneRow.getByRole('button', { name: /Terminate/ }).click();
  const confirm = laptop.page.getByRole('dialog');
  await expect(confirm).toContainText('iOS 17.6.1');
  await confirm.getByRole('button', { name: 'Terminate', exact: true }).click();

  await expect(phoneRow).toHaveCount(0);
  await expect(laptop.page.getByRole('status')).toHaveText('Session terminated.');

  // The phone's next request finds its session gone and is sent to sign in.
  await phone.page.reload();
  await expect(phone.page).toHaveURL(/\/login$/);
  await expect(phone.page.getByRole('heading', { name: 'Sign in to Sessionboard' })).toBeVisible();

  expect(laptop.errors).toEqual([]);
  expect(phone.errors).toEqual([]);
  await laptop.context.close();
  await phone.context.close();
});

test('trying to terminate the current session shows a popup saying to log out', async ({ browser }) => {
  const phone = await openDevice(browser, DEVICES.iphone);
  await signIn(phone.page, 'klaus@ektek.example');
  const laptop = await openDevice(browser, DEVICES.macFirefox);
  await signIn(laptop.page, 'klaus@ektek.example');
  const page = laptop.page;
  const rowsBefore = await page.locator('tbody tr').count();

  await currentRow(page).getByRole('button', { name: /Terminate/ }).click();

  const popup = page.getByRole('alertdialog');
  await expect(popup).toBeVisible();
  await expect(popup).toContainText('log out instead');
  await screenshot(page, 'current-session-popup');
  await popup.getByRole('button', { name: 'OK' }).click();
  await expect(popup).toBeHidden();
  // Nothing changed: still signed in, all rows still there.
  await page.reload();
  await waitForHydration(page);
  await expect(page.locator('tbody tr')).toHaveCount(rowsBefore);
  await expect(currentRow(page)).toHaveCount(1);
  // The other device is still signed in.
  await phone.page.reload();
  await expect(currentRow(phone.page)).toBeVisible();
  expect(laptop.errors).toEqual([]);
  await laptop.context.close();
  await phone.context.close();
});

test('a wrong password shows one generic error and creates no session', async ({ browser }) => {
  const laptop = await openDevice(browser, DEVICES.macFirefox);
  await signIn(laptop.page, 'henk@ektek.example');
  const before = await laptop.page.locator('tbody tr').count();

  const device = await openDevice(browser, DEVICES.windowsChrome);
  const page = device.page;
  await page.goto('/login');
  await waitForHydration(page);
  await screenshots(page, 'login');
  await page.getByLabel('Email').fill('henk@ektek.example');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('The email or password is wrong.');
  await expect(page).toHaveURL(/\/login$/);
  await screenshot(page, 'login-error');

  await laptop.page.reload();
  await expect(currentRow(laptop.page)).toBeVisible();
  await expect(laptop.page.locator('tbody tr')).toHaveCount(before);
  expect(device.errors).toEqual([]);
  expect(laptop.errors).toEqual([]);
  await device.context.close();
  await laptop.context.close();
});

test('logging out ends this session and no other', async ({ browser }) => {
  const laptop = await openDevice(browser, DEVICES.windowsChrome);
  await signIn(laptop.page, 'sven@nordlicht.example');
  const device = await openDevice(browser, DEVICES.iphone);
  await signIn(device.page, 'sven@nordlicht.example');
  const phoneSession = await currentSessionId(device.page);
  await device.page.getByRole('button', { name: 'Log out' }).click();
  await expect(device.page).toHaveURL(/\/login$/);
  await device.page.goto('/sessions');
  await expect(device.page).toHaveURL(/\/login$/);

  await laptop.page.reload();
  await expect(currentRow(laptop.page)).toBeVisible();
  await expect(laptop.page.locator(`tr[data-session-id="${phoneSession}"]`)).toHaveCount(0);
  expect(device.errors).toEqual([]);
  expect(laptop.errors).toEqual([]);
  await device.context.close();
  await laptop.context.close();
});

test('a sign-in from a new country on a new device is flagged, and says why', async ({ browser }) => {
  // Klaus signs in at home in Germany (twice: the second is his usual, whatever earlier tests
  // had him do), then, moments later, "from Portugal" on Ubuntu.
  const earlier = await openDevice(browser, DEVICES.windowsChrome, undefined, '91.64.12.34');
  await signIn(earlier.page, 'klaus@ektek.example');
  await earlier.context.close();
  const home = await openDevice(browser, DEVICES.windowsChrome, undefined, '91.64.12.34');
  await signIn(home.page, 'klaus@ektek.example');
  const ubuntu =
    'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
  const abroad = await openDevice(browser, ubuntu, undefined, '89.114.0.1');
  await signIn(abroad.page, 'klaus@ektek.example');

  const page = home.page;
  await page.reload();
  await waitForHydration(page);
  const row = page.locator('tbody tr').filter({ hasText: '89.114.0.1' });
  for (const label of ['New country', 'New device', 'Impossible travel']) {
    const badge = row.locator('.flag', { hasText: label });
    await expect(badge).toBeVisible();
    await expect(badge).toHaveAttribute('title', /first sign-in from .*PT/);
  }
  // His sign-in at home is his usual: no badge.
  await expect(currentRow(page).locator('.flag')).toHaveCount(0);

  // "Flagged only" is in the URL like every other filter.
  await page.goto('/sessions?flagged=1');
  await waitForHydration(page);
  const rows = page.locator('tbody tr');
  await expect(rows.filter({ hasText: '89.114.0.1' })).toHaveCount(1);
  await expect(rows.filter({ hasNot: page.locator('.flag') })).toHaveCount(0);
  // The sign-in history shows the same flags.
  await page.goto('/history');
  await waitForHydration(page);
  await expect(
    page.locator('tbody tr').filter({ hasText: '89.114.0.1' }).locator('.flag', { hasText: 'New country' }),
  ).toBeVisible();

  for (const device of [home, abroad]) {
    expect(device.errors).toEqual([]);
    await device.context.close();
  }
});

test('"was this you?": a flagged sign-in shows on my other page, and "no" signs it out', async ({ browser }) => {
  // Sven's usual laptop (signed in twice: the second is his usual, whatever earlier tests did).
  const earlier = await openDevice(browser, DEVICES.macFirefox, undefined, '91.64.12.34');
  await signIn(earlier.page, 'sven@nordlicht.example');
  await earlier.context.close();
  const laptop = await openDevice(browser, DEVICES.macFirefox, undefined, '91.64.12.34');
  await signIn(laptop.page, 'sven@nordlicht.example');

  // Moments later someone signs in as Sven "from Portugal" on Ubuntu.
  const ubuntu =
    'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
  const intruder = await openDevice(browser, ubuntu, undefined, '89.114.0.1');
  await signIn(intruder.page, 'sven@nordlicht.example');

  // The laptop's open page asks within a heartbeat, without being reloaded.
  const notice = laptop.page
    .locator('.sign-in-notice')
    .filter({ hasText: 'Was this you?' })
    .filter({ hasText: 'Ubuntu' });
  await expect(notice).toContainText('New sign-in: Firefox on Ubuntu near', { timeout: 15_000 });
  await expect(notice).toContainText('PT');
  await notice.getByRole('button', { name: 'No, sign it out' }).click();
  await expect(laptop.page.getByRole('status').filter({ hasText: 'Signed out.' })).toBeVisible();
  await expect(
    laptop.page.getByRole('link', { name: 'change it and sign out everywhere else' }),
  ).toHaveAttribute('href', '/account/password');
  await expect(notice).toHaveCount(0);

  // The intruder's page is signed out at its next heartbeat.
  await expect(intruder.page).toHaveURL(/\/login$/, { timeout: 15_000 });

  // Sven's history says why that session ended, and filters by it.
  await laptop.page.goto('/history?show=ended&reason=reported_not_you');
  await waitForHydration(laptop.page);
  await expect(laptop.page.getByRole('link', { name: 'Ended sessions' })).toHaveAttribute('aria-current', 'page');
  const reported = laptop.page.locator('tbody tr').filter({ hasText: 'Ubuntu' }).first();
  await expect(reported).toContainText('Reported as not you');
  await expect(reported).toContainText('New country');
  await laptop.page.getByLabel('Why').selectOption('terminated_by_you');
  await laptop.page.getByRole('button', { name: 'Apply' }).click();
  await expect(laptop.page).toHaveURL(/reason=terminated_by_you/);
  await expect(laptop.page.locator('tbody tr').filter({ hasText: 'Reported as not you' })).toHaveCount(0);
  await laptop.page.goto('/history?show=ended');
  await screenshot(laptop.page, 'ended-sessions');

  for (const device of [laptop, intruder]) {
    expect(device.errors).toEqual([]);
    await device.context.close();
  }
});

test('an alert mail\'s "this wasn\'t me" link signs the stranger out, once, without signing in', async ({ browser }) => {
  // Michael's usual laptop in Frankfurt; moments later someone signs in as him "from Portugal".
  const usual = await openDevice(browser, DEVICES.macFirefox, undefined, '91.64.12.34');
  await signIn(usual.page, 'michael.sommer@sessionboard.example');
  await usual.context.close();
  const ubuntu =
    'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
  const stranger = await openDevice(browser, ubuntu, undefined, '89.114.0.1');
  await signIn(stranger.page, 'michael.sommer@sessionboard.example');

  // The mail the real SMTP server received, as his mail client shows it.
  const mail = await waitForMail('michael.sommer@sessionboard.example', /Ubuntu/);
  expect(mail.subject).toMatch(/^New sign-in: Firefox on Ubuntu near .*PT — was this you\?$/);
  expect(mail.text).toMatch(/Why we noticed: .*first sign-in from Figueiro, PT/);
  expect(mail.html || '').toContain('This wasn');
  const link = (mail.text ?? '').match(/https?:\/\/\S+\/not-me\?token=[\w-]+/)?.[0];
  expect(link).toBeTruthy();

  // Opened on his phone, signed in to nothing: opening the link ends nothing, the button does.
  const phone = await openDevice(browser, DEVICES.iphone);
  await phone.page.goto(link!);
  await waitForHydration(phone.page);
  await stranger.page.reload();
  await expect(stranger.page).not.toHaveURL(/\/login$/);
  await screenshot(phone.page, 'not-me');
  await phone.page.getByRole('button', { name: 'Sign it out' }).click();
  await expect(phone.page.getByRole('status')).toContainText('that session is signed out');
  await expect(stranger.page).toHaveURL(/\/login$/, { timeout: 15_000 });

  // Once only.
  await phone.page.goto(link!);
  await waitForHydration(phone.page);
  await phone.page.getByRole('button', { name: 'Sign it out' }).click();
  await expect(phone.page.getByRole('alert')).toContainText('not valid');

  for (const device of [stranger, phone]) {
    expect(device.errors).toEqual([]);
    await device.context.close();
  }
});
