/**
 * Records are hints, not authority (issue 22, item 1; docs/design.md, "Ownership"). Whoever can edit a variable
 * group's plain variables can write its records; none of them can read a secret. Each test plays one forged record
 * against the bundled task and the emulator, in an organization with hand-made PATs, and checks that the PATs of
 * other names are untouched and that the warning names the record and the PAT.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { TaskFixture, useTaskFixture } from '../task/task-fixture';

describe('security: a forged record cannot choose which PAT is revoked or rotated (black box)', function () {
  this.timeout(120_000);
  let f: TaskFixture;
  useTaskFixture((fixture) => (f = fixture), { shared: true });

  const state = (id: string) => f.pats().find((p) => p.authorizationId === id)?.state;
  /**
   * A PAT the task stores in a group, recorded as it leaves it, then the records as an editor of the group changed them
   * (`forged`). Unique names, so the tests share one organization.
   */
  function storedPat(daysLeft: number, forged: (pat: { authorizationId: string; validTo: string }) => Record<string, string>) {
    const name = `feed-${randomBytes(3).toString('hex')}`;
    const pat = f.seedPat(name, { scope: 'vso.packaging', daysLeft });
    const groupName = `Tokens-${name}`;
    const group = f.addGroup(groupName, { FeedPat: { value: pat.token, isSecret: true }, 'FeedPat.authorizationId': pat.authorizationId, 'FeedPat.validTo': pat.validTo, ...forged(pat) });
    const inputs = { action: 'rotate', displayName: name, scopes: 'vso.packaging', target: 'variableGroup', variableGroup: groupName, variableName: 'FeedPat', rotateWhenExpiresWithinDays: 7 };
    return { name, pat, group, inputs };
  }

  it("a '.replaced' record naming another PAT of the user does not get that PAT revoked; the warning names the variable and the PAT", async () => {
    const victim = f.seedPat(`personal-laptop-${randomBytes(2).toString('hex')}`, { scope: 'vso.code', daysLeft: 200 });
    const { pat, inputs } = storedPat(80, () => ({ 'FeedPat.replaced': victim.authorizationId }));
    f.emu.log.clear();
    const run = await f.run(inputs);
    assert.equal(run.result, 'Succeeded', run.message);
    assert.equal(state(victim.authorizationId), 'active', 'the PAT the forged record named is alive');
    assert.equal(state(pat.authorizationId), 'active');
    assert.equal(f.emu.log.count({ route: 'pats.revoke' }), 0);
    const warning = run.warnings.find((w) => w.includes('FeedPat.replaced') && w.includes(victim.authorizationId));
    assert.ok(warning, `a warning names the record and the PAT; warnings:\n${run.warnings.join('\n')}`);
    f.assertNoSecrets(run);
  });

  it("an '.authorizationId' record naming a due PAT of another name and wider scopes: no PAT of that name or scopes is made, and it is not revoked", async () => {
    const wide = f.seedPat(`admin-${randomBytes(2).toString('hex')}`, { scope: 'vso.code_full vso.build_execute', daysLeft: 3 });
    const { name, pat, group, inputs } = storedPat(80, () => ({ 'FeedPat.authorizationId': wide.authorizationId, 'FeedPat.validTo': wide.validTo }));
    f.emu.log.clear();
    const run = await f.run(inputs);
    assert.equal(run.result, 'Succeeded', run.message);
    assert.equal(state(wide.authorizationId), 'active', 'the PAT the forged record named is alive');
    assert.deepEqual(f.activePats(wide.displayName).map((p) => p.authorizationId), [wide.authorizationId], 'no new PAT of the forged name');
    assert.equal(f.emu.log.count({ route: 'pats.create' }), 0, 'the step PAT is not due: nothing is created');
    assert.equal(f.group(group).variables['FeedPat'].value, pat.token, 'the destination keeps the value of the step PAT');
    assert.equal(f.group(group).variables['FeedPat.authorizationId'].value, pat.authorizationId, `the record names the step's own PAT '${name}' again`);
    const warning = run.warnings.find((w) => w.includes('FeedPat.authorizationId') && w.includes(wide.authorizationId));
    assert.ok(warning, `a warning names the record and the PAT; warnings:\n${run.warnings.join('\n')}`);
  });

  it("the same rule for Key Vault tags: a 'replaced' tag naming another PAT does not get it revoked", async () => {
    const name = `feed-${randomBytes(3).toString('hex')}`;
    const pat = f.seedPat(name, { scope: 'vso.packaging', daysLeft: 80 });
    const victim = f.seedPat(`release-bot-${randomBytes(2).toString('hex')}`, { scope: 'vso.release', daysLeft: 100 });
    const sp = f.emu.control.entra.addApp({ kind: 'confidential' });
    f.extraSecrets.push(sp.secret!);
    const vaultName = `kv${randomBytes(4).toString('hex')}`;
    const vault = f.emu.control.keyVault.addVault({ name: vaultName, access: { [sp.objectId]: 'officer' } });
    f.emu.control.keyVault.setSecret(vaultName, 'FeedPat', pat.token, {
      contentType: 'application/vnd.azure-devops.pat',
      tags: { authorizationId: pat.authorizationId, validTo: pat.validTo, replaced: victim.authorizationId },
    });
    const run = await f.run(
      { action: 'rotate', displayName: name, scopes: 'vso.packaging', target: 'keyVault', azureSubscription: 'arm', keyVault: vault.url, secretName: 'FeedPat', rotateWhenExpiresWithinDays: 7 },
      { endpoints: { arm: f.servicePrincipalEndpoint(sp) } },
    );
    assert.equal(run.result, 'Succeeded', run.message);
    assert.equal(state(victim.authorizationId), 'active', 'the PAT the forged tag named is alive');
    assert.ok(run.warnings.some((w) => w.includes("'replaced'") && w.includes(victim.authorizationId)), `a warning names the tag and the PAT; warnings:\n${run.warnings.join('\n')}`);
  });
});

describe('security: a planted holder neither keeps a PAT alive nor puts links in the summary (black box)', function () {
  this.timeout(120_000);
  let f: TaskFixture;
  useTaskFixture((fixture) => (f = fixture), { shared: true });
  const state = (id: string) => f.pats().find((p) => p.authorizationId === id)?.state;

  it('a group someone else created recording the step PAT does not keep it alive; the log names the group and who made it; its name renders as no link or image', async () => {
    const name = `feed-${randomBytes(3).toString('hex')}`;
    const old = f.seedPat(name, { scope: 'vso.packaging', daysLeft: 3 });
    const own = f.addGroup(`Tokens-${name}`, { FeedPat: { value: old.token, isSecret: true }, 'FeedPat.authorizationId': old.authorizationId, 'FeedPat.validTo': old.validTo });
    // Records are plain: anyone who can read the group can copy one into a group of their own.
    const mallory = f.emu.control.entra.addUser({ upn: 'mallory@contoso.com', displayName: 'Mallory' });
    const plantedName = `Planted ![x](https://evil.example/p.png) [click](https://evil.example/) ${name}`;
    f.emu.control.variableGroups.add('contoso', 'Proj', { name: plantedName, variables: { 'Keep.authorizationId': old.authorizationId }, createdBy: mallory.userId });

    const run = await f.run({ action: 'rotate', displayName: name, scopes: 'vso.packaging', target: 'variableGroup', variableGroup: `Tokens-${name}`, variableName: 'FeedPat', rotateWhenExpiresWithinDays: 7 });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.equal(state(old.authorizationId), 'revoked', 'the planted record did not keep the old PAT alive');
    assert.notEqual(f.group(own).variables['FeedPat.authorizationId'].value, old.authorizationId, 'the step rotated');
    const warning = run.warnings.find((w) => w.includes('Planted') && w.includes('mallory@contoso.com'));
    assert.ok(warning, `the log names the planted group and who created it; warnings:\n${run.warnings.join('\n')}`);
    const md = run.summaryMarkdown ?? '';
    assert.doesNotMatch(md, /(?<!\\)\[[^\]]*\]\(https:\/\/evil/, 'no Markdown link or image to the planted host in the summary');
  });

  it('a group the signed-in user keeps that records the PAT keeps it alive: the summary names it and who created it, its Markdown made inert', async () => {
    const name = `feed-${randomBytes(3).toString('hex')}`;
    const old = f.seedPat(name, { scope: 'vso.packaging', daysLeft: 3 });
    f.addGroup(`Tokens-${name}`, { FeedPat: { value: old.token, isSecret: true }, 'FeedPat.authorizationId': old.authorizationId, 'FeedPat.validTo': old.validTo });
    // Another step of the signed-in user's keeps the same PAT (the README's "one PAT in two places" done as two steps).
    const holderName = `Other ![x](https://evil.example/p.png) [click](https://evil.example/) ${name}`;
    f.emu.control.variableGroups.add('contoso', 'Proj', { name: holderName, variables: { 'Keep.authorizationId': old.authorizationId }, createdBy: f.user.userId });

    const run = await f.run({ action: 'rotate', displayName: name, scopes: 'vso.packaging', target: 'variableGroup', variableGroup: `Tokens-${name}`, variableName: 'FeedPat', rotateWhenExpiresWithinDays: 7 });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.equal(state(old.authorizationId), 'active', 'the holder the step can trust kept the old PAT alive');
    const md = run.summaryMarkdown ?? '';
    assert.match(md, /Other .*ada@contoso\.com/, 'the summary names the group that kept the PAT alive and who created it');
    assert.doesNotMatch(md, /(?<!\\)\[[^\]]*\]\(https:\/\/evil/, 'no Markdown link or image to the holder\'s host in the summary');
    assert.doesNotMatch(md, /(?<!\\)https:\/\/evil/, 'no bare URL to autolink');
  });
});
