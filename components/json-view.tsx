'use client';
import { useState } from 'react';
import { Button, cx } from './ui';

type Json = unknown;

function Leaf({ value }: { value: Json }) {
  if (value === null) return <span className="text-slate-600 dark:text-slate-400">null</span>;
  if (typeof value === 'string') return <span className="break-all text-emerald-700 dark:text-emerald-300">&quot;{value}&quot;</span>;
  if (typeof value === 'number') return <span className="text-sky-700 dark:text-sky-300">{String(value)}</span>;
  if (typeof value === 'boolean') return <span className="text-violet-700 dark:text-violet-300">{String(value)}</span>;
  return <span>{String(value)}</span>;
}

function Node({ name, value, depth, openDepth }: { name?: string; value: Json; depth: number; openDepth: number }) {
  const label = name !== undefined ? <span className="text-slate-700 dark:text-slate-300">{name}: </span> : null;
  if (value === null || typeof value !== 'object') {
    return (
      <div className="py-0.5 pl-4">
        {label}
        <Leaf value={value} />
      </div>
    );
  }
  const isArray = Array.isArray(value);
  const entries: [string, Json][] = isArray ? (value as Json[]).map((v, i) => [String(i), v]) : Object.entries(value as Record<string, Json>);
  const summary = isArray ? `[${entries.length}]` : `{${entries.length}}`;
  if (entries.length === 0) {
    return (
      <div className="py-0.5 pl-4">
        {label}
        <span className="text-slate-600 dark:text-slate-400">{isArray ? '[]' : '{}'}</span>
      </div>
    );
  }
  return (
    <details open={depth < openDepth} className="pl-4 [&>summary::-webkit-details-marker]:hidden">
      <summary className="-ml-4 cursor-pointer list-none rounded py-0.5 pl-4 hover:bg-slate-100 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:hover:bg-slate-800">
        <span aria-hidden="true" className="mr-1 inline-block w-3 text-slate-600 dark:text-slate-400 [details[open]>summary>&]:rotate-90">
          ▸
        </span>
        {label}
        <span className="text-slate-600 dark:text-slate-400">{summary}</span>
      </summary>
      <div className="border-l border-slate-200 dark:border-slate-700">
        {entries.map(([k, v]) => (
          <Node key={k} name={k} value={v} depth={depth + 1} openDepth={openDepth} />
        ))}
      </div>
    </details>
  );
}

/** JSON as a collapsible tree (or raw text). Every value is rendered as text, never as HTML. */
export function JsonView({ value, label, openDepth = 2, className }: { value: Json; label: string; openDepth?: number; className?: string }) {
  const [raw, setRaw] = useState(false);
  const [copied, setCopied] = useState(false);
  const text = JSON.stringify(value, null, 2) ?? 'undefined';
  return (
    <div className={cx('rounded-md border border-slate-200 bg-slate-50 dark:border-slate-800 dark:bg-slate-950', className)}>
      <div className="flex items-center justify-between gap-2 border-b border-slate-200 px-3 py-1.5 dark:border-slate-800">
        <span className="text-xs font-medium text-slate-500 dark:text-slate-400">{label}</span>
        <div className="flex gap-1">
          <Button size="sm" variant="ghost" onClick={() => setRaw((r) => !r)} aria-pressed={raw}>
            {raw ? 'Tree' : 'Raw'}
          </Button>
          <Button
            size="sm"
            variant="ghost"
            onClick={() => {
              void navigator.clipboard?.writeText(text).then(() => {
                setCopied(true);
                setTimeout(() => setCopied(false), 1500);
              });
            }}
          >
            {copied ? 'Copied' : 'Copy'}
          </Button>
        </div>
      </div>
      <div className="max-h-[28rem] overflow-auto p-2 font-mono text-xs leading-relaxed">
        {raw ? <pre className="whitespace-pre-wrap break-all p-2">{text}</pre> : <Node value={value} depth={0} openDepth={openDepth} />}
      </div>
    </div>
  );
}
