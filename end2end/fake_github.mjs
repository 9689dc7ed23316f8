// A fake GitHub for the browser tests: the REST routes Steward files future fixes with
// (`POST` and `GET /repos/{owner}/{repo}/issues`), on 127.0.0.1, answering with the issue
// GitHub records (server/tests/api/fixtures/github/issue.json) and rate-limit headers.
// Nothing leaves the machine.

import http from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const recorded = JSON.parse(
  readFileSync(path.join(here, '..', 'server', 'tests', 'api', 'fixtures', 'github', 'issue.json'), 'utf8'),
);

export const FAKE_GITHUB_TOKEN = 'ghp_e2e_fake_token';

/** Starts the fake; resolves to `{ url, issues, close() }`. */
export async function startFakeGithub() {
  const issues = [];
  const rate = {
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': String(5000 - issues.length),
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    'x-ratelimit-resource': 'core',
  };
  const send = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...rate });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const m = url.pathname.match(/^\/repos\/([^/]+)\/([^/]+)\/issues$/);
    if (!m) return send(res, 404, { message: 'Not Found' });
    if (req.headers.authorization !== `Bearer ${FAKE_GITHUB_TOKEN}`) {
      return send(res, 401, { message: 'Bad credentials' });
    }
    const [, owner, repo] = m;
    const full = `${owner}/${repo}`;
    if (req.method === 'POST') {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        const body = JSON.parse(raw);
        const number = issues.filter((i) => i.repo === full).length + 1;
        const at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        const issue = {
          ...recorded,
          number,
          html_url: `https://github.com/${full}/issues/${number}`,
          title: body.title,
          body: body.body,
          labels: (body.labels ?? []).map((name) => ({ name, color: 'ededed' })),
          created_at: at,
          updated_at: at,
        };
        issues.push({ repo: full, issue });
        send(res, 201, issue);
      });
      return;
    }
    const since = url.searchParams.get('since') ?? '';
    send(
      res,
      200,
      issues.filter((i) => i.repo === full && i.issue.updated_at >= since).map((i) => i.issue),
    );
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    issues,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
