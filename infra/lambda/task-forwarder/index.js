// Step Functions Task -> MCP tools/call on mlops-mcp: see infra/README.md. Inlined in cloudformation/tasks.yaml
// (ZipFile, at most 4096 characters): keep both equal.
'use strict';
const PROTOCOL = '2025-11-25'; // plugins/MlopsAgents.Plugins/McpProtocol.cs
let token; // once per cold start

async function secret() {
  const sm = require('@aws-sdk/client-secrets-manager');
  return (await new sm.SecretsManagerClient({}).send(new sm.GetSecretValueCommand({ SecretId: process.env.MCP_TOKEN_SECRET_ARN }))).SecretString;
}

const fail = (name, message) => Object.assign(new Error(message), { name }); // name: the error type

class Session {
  constructor(url, auth, signal) { Object.assign(this, { url, auth, signal, next: 1 }); }
  async send(method, params, notify) {
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${this.auth}`,
      ...(this.id && { 'mcp-session-id': this.id, 'mcp-protocol-version': PROTOCOL }) };
    const id = notify ? undefined : this.next++;
    let res, body;
    try {
      res = await fetch(this.url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id, method, params }), signal: this.signal });
      body = await res.text();
    } catch (e) {
      throw this.signal.aborted ? fail('Mlops.TaskInProgress', `${method}: past the deadline; the run goes on`) : e;
    }
    if (!res.ok) throw fail(res.status === 401 ? 'Mlops.Unauthorized' : 'Mlops.McpError', `${method}: ${this.url} answered HTTP ${res.status}: ${body.slice(0, 200)}`);
    this.id = res.headers.get('mcp-session-id') || this.id;
    if (notify) return null;
    const messages = (res.headers.get('content-type') || '').includes('text/event-stream')
      ? body.split(/\r?\n/).filter(l => l.startsWith('data:')).map(l => l.slice(5).trim()).filter(Boolean).map(JSON.parse)
      : [JSON.parse(body)];
    const answer = messages.find(m => m.id === id);
    if (!answer || answer.error) throw fail('Mlops.McpError', `${method}: ${answer ? answer.error.message : `no answer with id ${id}`}`);
    return answer.result;
  }
}

exports.handler = async (event, context) => {
  const fn = context.functionName;
  const agent = fn.startsWith('mlops-agent-');
  if (!agent && !fn.startsWith('mlops-mcp-')) throw fail('Mlops.UnknownResource', `${fn}: not mlops-mcp-<tool> or mlops-agent-<step>`);
  const tool = fn.slice(agent ? 12 : 10);
  const input = event && typeof event === 'object' ? event : {};
  const t = input.mlops_task;
  if (!t?.execution_id) throw fail('Mlops.BadTaskInput', `${fn}: the state passes no mlops_task (infra/README.md)`);
  const wait = 'task_token' in input; // a token hand-off: a retry brings a new token
  const key = [t.execution_id, t.state, t.entered_time, ...(wait ? [t.retry_count] : [])].join('/');
  const source = !agent || 'context' in input || wait ? input : { context: input, execution_id: t.execution_id };
  const ms = Number(process.env.MLOPS_FORWARDER_DEADLINE_MS) || context.getRemainingTimeInMillis() - 10000;

  token ??= process.env.MCP_TOKEN ? Promise.resolve(process.env.MCP_TOKEN) : secret();
  const s = new Session(process.env.MCP_URL, await token, AbortSignal.timeout(ms));
  await s.send('initialize', { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'mlops-task-forwarder', version: '1.0.0' } });
  await s.send('notifications/initialized', {}, true);
  const listed = (await s.send('tools/list', {})).tools.find(x => x.name === tool);
  if (!listed) throw fail('Mlops.UnknownTool', `The MCP server has no tool '${tool}'`);
  const declared = Object.keys(listed.inputSchema?.properties ?? {});
  const args = Object.fromEntries(Object.entries(source).filter(([k]) => declared.includes(k)));

  const result = await s.send('tools/call', { name: tool, arguments: args, _meta: { idempotency_key: key } });
  const text = (result.content ?? []).filter(c => c.type === 'text').map(c => c.text).join('\n');
  if (result.isError) throw fail('Mlops.ToolError', `${tool}: ${text}`);
  return result.structuredContent ?? { text };
};
