import * as crypto from 'node:crypto';
import * as http from 'node:http';
import { type AddressInfo } from 'node:net';
import { type Browser, type Page } from '@playwright/test';
import {
  DEVICES,
  type Device,
  confirmWith,
  currentRow,
  expect,
  openDevice,
  screenshots,
  signIn,
  test,
  waitForHydration,
} from './fixtures';

// Passwords new people choose: long and unusual enough for the strength check.
const OWNER_PASSWORD = 'quiet harbour lantern 72';
const EMPLOYEE_PASSWORD = 'copper kettle meadow 19';
const CHANGED_PASSWORD = 'velvet orbit pumpkin 46';

/** A name no earlier run of the suite used, so reruns against one database do not collide. */
function unique(prefix: string): string {
  return `${prefix} ${Date.now().toString(36)}`;
}

async function signInWith(page: Page, email: string, password: string) {
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/sessions$/);
  await waitForHydration(page);
  await expect(currentRow(page)).toBeVisible();
}

/** Adds a member on the Members page that is open and returns their set-password link. */
async function addMember(page: Page, name: string, email: string, role: 'owner' | 'employee', jobLabel: string) {
  const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Add member' }) });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Role').selectOption(role);
  await form.getByLabel('Job label').fill(jobLabel);
  await form.getByRole('button', { name: 'Add member' }).click();
  const link = page.locator('#password-link');
  // The box shows the path at once and the full address once hydrated code has run.
  await expect(link).toHaveValue(/^http.*\/set-password\?token=/);
  return link.inputValue();
}

/** Opens a set-password link in a new browser, sets `password`, and signs in with it. */
async function followLink(browser: Browser, link: string, email: string, password: string): Promise<Device> {
  const device = await openDevice(browser, DEVICES.macFirefox);
  await device.page.goto(link);
  await waitForHydration(device.page);
  await expect(device.page.getByRole('heading', { name: /Set your password/ })).toBeVisible();
  await device.page.getByLabel('New password').fill(password);
  await device.page.getByLabel('Repeat the password').fill(password);
  await device.page.getByRole('button', { name: 'Set password' }).click();
  await expect(device.page.getByText('Your password is set.')).toBeVisible();
  await signInWith(device.page, email, password);
  return device;
}

test('an admin creates an account and its owner, who adds, then removes, an employee', async ({ browser }) => {
  test.setTimeout(120_000);
  const account = unique('Initech');
  const ownerEmail = `owner.${Date.now()}@initech.example`;
  const employeeEmail = `employee.${Date.now()}@initech.example`;

  // The platform admin creates the account and its owner.
  const admin = await openDevice(browser, DEVICES.windowsChrome);
  await signIn(admin.page, 'admin@sessionboard.example');
  await admin.page.goto('/admin/accounts');
  await waitForHydration(admin.page);
  await admin.page.getByLabel('New account').fill(account);
  await admin.page.getByRole('button', { name: 'Create account' }).click();
  const row = admin.page.getByRole('row').filter({ hasText: account });
  await expect(row).toBeVisible();
  await screenshots(admin.page, 'admin-accounts');
  await row.getByRole('link', { name: `Members of ${account}` }).click();
  await expect(admin.page).toHaveURL(/\/accounts\/\d+\/members$/);
  await waitForHydration(admin.page);
  const ownerLink = await addMember(admin.page, 'Olga Owner', ownerEmail, 'owner', 'Management');
  await screenshots(admin.page, 'members-link-shown');

  // In a second browser, the owner sets a password and signs in.
  const owner = await followLink(browser, ownerLink, ownerEmail, OWNER_PASSWORD);
  // The link is spent.
  const again = await openDevice(browser, DEVICES.iphone);
  await again.page.goto(ownerLink);
  await waitForHydration(again.page);
  await expect(again.page.getByText(/not valid/)).toBeVisible();
  await expect(again.page.getByRole('button', { name: 'Set password' })).toHaveCount(0);

  // The owner adds an employee, who sets a password and signs in on a phone.
  await owner.page.getByRole('link', { name: 'Members' }).first().click();
  await expect(owner.page).toHaveURL(/\/members$/);
  await waitForHydration(owner.page);
  const employeeLink = await addMember(owner.page, 'Emil Employee', employeeEmail, 'employee', 'Purchasing');
  const employee = await followLink(browser, employeeLink, employeeEmail, EMPLOYEE_PASSWORD);
  await owner.page.reload();
  await waitForHydration(owner.page);
  const employeeRow = owner.page.getByRole('row').filter({ hasText: 'Emil Employee' });
  await expect(employeeRow).toContainText('Purchasing');
  await expect(employeeRow).toContainText('1');
  await screenshots(owner.page, 'members-owner');

  // The owner cannot remove themselves: they are the last owner.
  await owner.page.getByRole('button', { name: 'Remove Olga Owner' }).click();
  await confirmWith(owner.page, 'Remove');
  await expect(owner.page.getByText(/at least one owner/)).toBeVisible();
  await owner.page.keyboard.press('Escape');

  // Removing the employee signs their open page out within seconds.
  await owner.page.getByRole('button', { name: 'Remove Emil Employee' }).click();
  await confirmWith(owner.page, 'Remove');
  await expect(employeeRow).toHaveCount(0);
  await expect(employee.page).toHaveURL(/\/login$/, { timeout: 15_000 });

  // The change log shows who did it, to whom, from where.
  await owner.page.getByRole('link', { name: 'Change log' }).click();
  await waitForHydration(owner.page);
  const removal = owner.page.getByRole('row').filter({ hasText: 'Membership removed' });
  await expect(removal).toContainText('Olga Owner');
  await expect(removal).toContainText('Emil Employee');
  await screenshots(owner.page, 'account-changes');

  for (const device of [admin, owner, again, employee]) {
    expect(device.errors).toEqual([]);
    await device.context.close();
  }
});

test('changing my password signs out my other devices when I ask it to', async ({ browser }) => {
  test.setTimeout(90_000);
  const email = `pat.${Date.now()}@people.example`;
  const admin = await openDevice(browser, DEVICES.windowsChrome);
  await signIn(admin.page, 'admin@sessionboard.example');
  await admin.page.goto('/admin/people');
  await waitForHydration(admin.page);
  const create = admin.page.locator('form').filter({ has: admin.page.getByRole('button', { name: 'Create person' }) });
  await create.getByLabel('Name').fill('Pat Person');
  await create.getByLabel('Email').fill(email);
  await create.getByRole('button', { name: 'Create person' }).click();
  const link = admin.page.locator('#password-link');
  await expect(link).toHaveValue(/^http.*\/set-password\?token=/);
  await screenshots(admin.page, 'admin-people');

  const laptop = await followLink(browser, await link.inputValue(), email, OWNER_PASSWORD);
  const phone = await openDevice(browser, DEVICES.iphone, { width: 390, height: 844 });
  await signInWith(phone.page, email, OWNER_PASSWORD);

  await laptop.page.getByRole('link', { name: 'Password' }).click();
  await waitForHydration(laptop.page);
  await laptop.page.getByLabel('Current password').fill(OWNER_PASSWORD);
  await laptop.page.getByLabel('New password').fill(CHANGED_PASSWORD);
  await laptop.page.getByLabel('Repeat the password').fill(CHANGED_PASSWORD);
  await expect(laptop.page.getByLabel('Sign out my other sessions')).toBeChecked();
  await screenshots(laptop.page, 'change-password');
  await laptop.page.getByRole('button', { name: 'Change password' }).click();
  await expect(laptop.page.getByText('Password changed. 1 other session was signed out.')).toBeVisible();

  // The phone's open page signs itself out; the laptop stays signed in.
  await expect(phone.page).toHaveURL(/\/login$/, { timeout: 15_000 });
  await laptop.page.goto('/sessions');
  await expect(currentRow(laptop.page)).toBeVisible();
  // The old password no longer works; the new one does.
  await phone.page.getByLabel('Email').fill(email);
  await phone.page.getByLabel('Password').fill(OWNER_PASSWORD);
  await phone.page.getByRole('button', { name: 'Sign in' }).click();
  await expect(phone.page.getByRole('alert')).toContainText('wrong');
  await signInWith(phone.page, email, CHANGED_PASSWORD);

  for (const device of [admin, laptop, phone]) {
    expect(device.errors).toEqual([]);
    await device.context.close();
  }
});

test('a platform admin adds a webhook endpoint and watches signed deliveries reach it', async ({ browser }) => {
  // A receiver on loopback that checks each signature as the README shows.
  let secret = '';
  const got: { id: string; type: string; signedCorrectly: boolean }[] = [];
  const receiver = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const id = String(request.headers['webhook-id']);
      const timestamp = String(request.headers['webhook-timestamp']);
      const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
      const expected = crypto.createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
      const signatures = String(request.headers['webhook-signature']).split(' ');
      got.push({ id, type: JSON.parse(body).type, signedCorrectly: signatures.includes(`v1,${expected}`) });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  const admin = await openDevice(browser, DEVICES.macFirefox);
  const page = admin.page;
  await signIn(page, 'admin@sessionboard.example');
  await page.getByRole('link', { name: 'Webhooks' }).click();
  await waitForHydration(page);
  // A URL deliveries may not go to is refused with the reason, and nothing is added.
  await page.getByLabel('URL').fill('http://hooks.example.com/events');
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  await expect(page.getByRole('alert')).toContainText('use https://');
  await expect(page.getByText('No endpoints yet')).toBeVisible();

  await page.getByLabel('URL').fill(url);
  await page.getByLabel('Description').fill('Security team SIEM');
  await page.getByRole('checkbox', { name: /sign_in\.failed/ }).uncheck();
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  secret = (await page.locator('.secret-value').textContent())!.trim();
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
  const endpointRow = page.getByRole('row').filter({ hasText: url });
  await expect(endpointRow).toContainText('Delivering');
  await expect(endpointRow).not.toContainText('sign_in.failed');

  // Klaus signs in on his phone: session.created reaches the receiver, signed.
  const phone = await openDevice(browser, DEVICES.iphone, { width: 390, height: 844 });
  await signIn(phone.page, 'klaus@ektek.example');
  await expect.poll(() => got.map((delivery) => delivery.type), { timeout: 15_000 }).toContain('session.created');
  expect(got.every((delivery) => delivery.signedCorrectly)).toBe(true);

  await page.reload();
  await waitForHydration(page);
  const created = got.find((delivery) => delivery.type === 'session.created')!;
  const delivered = page.getByRole('row').filter({ hasText: created.id });
  await expect(delivered).toContainText('session.created');
  await expect(delivered).toContainText('Delivered');
  await expect(delivered).toContainText('204');
  await screenshots(page, 'webhooks');

  // Deleting it stops deliveries: the receiver hears nothing of the next sign-in.
  await endpointRow.getByRole('button', { name: /Delete the endpoint/ }).click();
  await confirmWith(page, 'Delete');
  await expect(page.getByText('No endpoints yet')).toBeVisible();
  const before = got.length;
  const laptop = await openDevice(browser, DEVICES.macFirefox);
  await signIn(laptop.page, 'klaus@ektek.example');
  await page.waitForTimeout(2_000);
  expect(got.length).toBe(before);

  expect(admin.errors).toEqual([]);
  expect(phone.errors).toEqual([]);
  receiver.close();
  await Promise.all([admin, phone, laptop].map((device) => device.context.close()));
});
