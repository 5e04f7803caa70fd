// `moat replay TRACE.jsonl`: streams a trace through the detection pipeline and prints the v1 report.
import type { Command } from 'commander';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { replayTrace } from '../../detection/replay.js';
import { renderText } from '../../detection/report.js';
import { renderExplain, type ExplainTimeline } from '../../detection/explain.js';
import { playbookActionFor } from '../../enforcement/replay-action.js';
import { formatPolicyIssues, parsePolicyFile } from '../../policy/parse-policy-file.js';
import { policySectionSchemas } from '../../admin/policy-sections.js';
import { DomainError } from '../../errors/domain-error.js';

export interface ReplayCliOptions {
  policy?: string;
  report?: 'json' | 'text';
  out?: string;
  strict?: boolean;
  /** Raw prompt snippets kept as evidence per flagged org (0 = none). */
  evidenceSamples?: string;
  /** Orgs to explain (comma-separated): their features, scores and rule conditions over time instead of the report. */
  explain?: string;
}

export class ReplayPolicyError extends DomainError {
  constructor(message: string) {
    super('invalid_policy_file', message);
    this.name = 'ReplayPolicyError';
  }
}

/**
 * The `--policy` file, validated like `moat policy apply` does (playbooks included), so a mistake is reported
 * with file:line:column. A file may hold just a `playbooks:` section. Returns what playbookActionFor reads.
 */
export function readReplayPolicy(file: string): { playbooks?: unknown } {
  const r = parsePolicyFile(file, policySectionSchemas());
  if (!r.ok) throw new ReplayPolicyError(`invalid --policy file:\n${formatPolicyIssues(r.issues)}`);
  return r.file.playbooks !== undefined ? { playbooks: r.file.playbooks } : {};
}

export async function runReplayCommand(trace: string, o: ReplayCliOptions, stderr: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr): Promise<string> {
  // Actions come from the enforcement engine: the file's playbooks, or the shipped default playbook.
  const policy = o.policy ? readReplayPolicy(o.policy) : undefined;
  const tty = !!stderr.isTTY;
  let warned = 0;
  const explainOrgs = new Set((o.explain ?? '').split(',').map((x) => x.trim()).filter(Boolean));
  const explained: ExplainTimeline[] = [];
  const missing: string[] = [];
  const report = await replayTrace(createReadStream(trace), {
    strict: !!o.strict,
    policy,
    actionFor: playbookActionFor,
    detector: {
      ...(o.evidenceSamples !== undefined ? { evidence: { samples: Math.max(0, Number(o.evidenceSamples) || 0), maxChars: 300 } } : {}),
      ...(explainOrgs.size ? { explain: explainOrgs } : {}),
    },
    onDone: (d) => {
      for (const org of explainOrgs) {
        const e = d.explain(org);
        if (e) explained.push(e);
        else missing.push(org);
      }
    },
    onSkipped: (s) => {
      if (warned++ < 20) stderr.write(`moat replay: line ${s.line} skipped: ${s.reason}\n`);
    },
    onDiagnostic: (d) => {
      if (warned++ < 20) stderr.write(`moat replay: ${d.message}\n`);
    },
    ...(tty ? { onProgress: (n: number) => stderr.write(`\rmoat replay: ${n} lines`) } : {}),
  });
  if (tty) stderr.write('\n');
  if (warned > 20) stderr.write(`moat replay: ${warned - 20} more diagnostics (see report.diagnostics)\n`);
  if (missing.length) stderr.write(`moat replay: no requests from ${missing.join(', ')} in the trace\n`);
  const text = explainOrgs.size
    ? o.report === 'json'
      ? JSON.stringify(explained, null, 2) + '\n'
      : explained.map(renderExplain).join('\n')
    : o.report === 'text'
      ? renderText(report)
      : JSON.stringify(report, null, 2) + '\n';
  if (o.out) {
    const ws = createWriteStream(o.out);
    ws.end(text);
    await once(ws, 'finish');
  }
  return text;
}

export function register(program: Command): void {
  program
    .command('replay')
    .description('Replay a trace (JSONL, format v1) through detection; the report goes to stdout or --out.')
    .argument('<trace>', 'trace file (JSONL)')
    .option('--policy <file>', 'policy file (YAML; its `playbooks:` decide the report actions; default: the shipped default playbook)')
    .option('--report <format>', 'json | text (with --explain the default is text)')
    .option('--explain <orgs>', 'instead of the report, explain these orgs (comma-separated): every feature and score over time, and which rule conditions hold')
    .option('--out <file>', 'write the report to a file instead of stdout')
    .option('--strict', 'treat a malformed line as fatal')
    .option('--evidence-samples <n>', 'prompt snippets (max 300 chars) kept as evidence per flagged org; 0 keeps no prompt text', '3')
    .action(async (trace: string, o: ReplayCliOptions) => {
      o.report ??= o.explain ? 'text' : 'json';
      if (o.report !== 'json' && o.report !== 'text') throw new Error(`--report must be json or text`);
      const text = await runReplayCommand(trace, o);
      if (!o.out) process.stdout.write(text);
    });
}
