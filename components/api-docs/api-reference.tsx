import type { ReactNode } from 'react';
import { Card, PageHeader } from '../ui';
import { Code, schemaAnchor, SchemaView, TypeSummary, type Schema } from './schema-view';

type Parameter = { name: string; in: string; required?: boolean; schema?: Schema; description?: string };
type Operation = {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security: Record<string, unknown>[];
  'x-permissions': string[];
  'x-idempotent'?: boolean;
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
};
export type ApiDocument = {
  info: { title?: string; description?: string; version?: string };
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> };
};

const METHOD_STYLES: Record<string, string> = {
  get: 'bg-sky-100 text-sky-800 dark:bg-sky-900/50 dark:text-sky-200',
  post: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900/50 dark:text-emerald-200',
};

/** A line with `code` spans, as the document's descriptions are written. */
function inline(text: string): ReactNode[] {
  return text.split(/(`[^`]+`)/g).map((part, j) => (part.startsWith('`') && part.endsWith('`') ? <Code key={j}>{part.slice(1, -1)}</Code> : part));
}

/** Paragraphs of such lines. */
function Prose({ text, className }: { text: string; className?: string }) {
  return (
    <div className={className}>
      {text.split('\n\n').map((para, i) => (
        <p key={i} className="mt-1 first:mt-0">
          {inline(para)}
        </p>
      ))}
    </div>
  );
}

function MethodBadge({ method }: { method: string }) {
  return (
    <span className={`inline-block w-12 shrink-0 rounded px-1.5 py-0.5 text-center font-mono text-xs font-semibold uppercase ${METHOD_STYLES[method] ?? 'bg-slate-100'}`}>
      {method}
    </span>
  );
}

const opAnchor = (o: Operation) => `op-${o.operationId}`;

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="mt-4">
      <h4 className="text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">{title}</h4>
      <div className="mt-1">{children}</div>
    </div>
  );
}

function OperationCard({ method, path, op }: { method: string; path: string; op: Operation }) {
  const params = op.parameters ?? [];
  const body = op.requestBody ? Object.entries(op.requestBody.content)[0] : undefined;
  const auth = op.security.length === 0 ? 'No authentication' : op['x-permissions'].length ? null : 'Any signed-in caller';
  // The permission and idempotency notes are shown as chips below, not repeated as text.
  const description = (op.description ?? '')
    .split('\n\n')
    .filter((p) => !/^(Needs |No authentication\.|Any signed-in caller\.|Honours Idempotency-Key\.)/.test(p))
    .join('\n\n');
  return (
    <Card as="article" className="scroll-mt-20 p-4" aria-labelledby={`${opAnchor(op)}-title`}>
      <div id={opAnchor(op)} className="flex flex-wrap items-center gap-2">
        <MethodBadge method={method} />
        <h3 id={`${opAnchor(op)}-title`} className="break-all font-mono text-sm font-semibold">
          {path}
        </h3>
      </div>
      <p className="mt-1 font-medium">{op.summary}</p>
      {description ? <Prose text={description} className="mt-1 text-sm text-slate-600 dark:text-slate-400" /> : null}
      <div className="mt-2 flex flex-wrap gap-1.5 text-xs">
        {auth ? <span className="rounded-full bg-slate-100 px-2 py-0.5 dark:bg-slate-800">{auth}</span> : null}
        {op['x-permissions'].map((p) => (
          <span key={p} className="rounded-full bg-indigo-50 px-2 py-0.5 font-mono text-indigo-800 dark:bg-indigo-950 dark:text-indigo-200">
            {p}
          </span>
        ))}
        {op['x-idempotent'] ? <span className="rounded-full bg-amber-50 px-2 py-0.5 text-amber-900 dark:bg-amber-950 dark:text-amber-200">Idempotency-Key</span> : null}
      </div>

      {params.length ? (
        <Section title="Parameters">
          <table className="w-full table-fixed border-collapse text-left text-sm">
            <thead>
              <tr className="text-xs text-slate-600 dark:text-slate-400">
                <th scope="col" className="w-1/3 pb-1 font-medium">
                  Name
                </th>
                <th scope="col" className="pb-1 font-medium">
                  In · type · notes
                </th>
              </tr>
            </thead>
            <tbody>
              {params.map((p) => (
                <tr key={`${p.in}:${p.name}`} className="border-t border-slate-100 align-top dark:border-slate-800">
                  <td className="py-1.5 pr-3">
                    <span className="break-all font-mono">{p.name}</span>
                    {p.required ? <span className="ml-1 text-xs text-rose-600 dark:text-rose-400">required</span> : null}
                  </td>
                  <td className="py-1.5">
                    <span className="text-xs text-slate-600 dark:text-slate-400">{p.in}</span> · {p.schema ? <TypeSummary schema={p.schema} /> : null}
                    {p.schema?.default !== undefined ? <span className="ml-2 text-xs text-slate-600 dark:text-slate-400">default {JSON.stringify(p.schema.default)}</span> : null}
                    {p.description ? <p className="text-xs text-slate-600 dark:text-slate-400">{p.description}</p> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      ) : null}

      {body ? (
        <Section title={`Request body (${body[0]}${op.requestBody!.required ? ', required' : ', optional'})`}>
          <TypeSummary schema={body[1].schema} />
        </Section>
      ) : null}

      <Section title="Responses">
        <ul className="space-y-1 text-sm">
          {Object.entries(op.responses).map(([status, r]) => {
            const content = r.content ? Object.entries(r.content)[0] : undefined;
            return (
              <li key={status} className="flex gap-2">
                <span className={`w-10 shrink-0 font-mono font-semibold ${status.startsWith('2') ? 'text-emerald-700 dark:text-emerald-300' : 'text-slate-600 dark:text-slate-400'}`}>{status}</span>
                <span className="min-w-0">
                  {content ? (
                    <>
                      <TypeSummary schema={content[1].schema} />{' '}
                    </>
                  ) : null}
                  <span className="text-slate-600 dark:text-slate-400">{r.description}</span>
                </span>
              </li>
            );
          })}
        </ul>
      </Section>
    </Card>
  );
}

/** The API reference page: every operation of the OpenAPI document by tag, then the schemas. */
export function ApiReference({ doc }: { doc: ApiDocument }) {
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op: op as Operation })));
  const byTag = doc.tags.map((t) => ({ ...t, ops: ops.filter((o) => o.op.tags.includes(t.name)) })).filter((t) => t.ops.length > 0);
  const schemas = Object.entries(doc.components.schemas) as [string, Schema][];
  return (
    <div>
      <PageHeader
        title="API reference"
        description={
          <>
            {inline(doc.info.description ?? '')} The machine-readable document is{' '}
            <a href="/api/v1/openapi.json" className="font-mono text-indigo-700 underline dark:text-indigo-300">
              /api/v1/openapi.json
            </a>{' '}
            (OpenAPI 3.1).
          </>
        }
      />
      <div className="grid gap-6 lg:grid-cols-[15rem_minmax(0,1fr)]">
        <nav aria-label="API operations" className="lg:sticky lg:top-20 lg:max-h-[calc(100vh-6rem)] lg:self-start lg:overflow-y-auto">
          <ul className="space-y-3 text-sm">
            {byTag.map((t) => (
              <li key={t.name}>
                <a href={`#tag-${t.name}`} className="font-semibold hover:underline">
                  {t.name}
                </a>
                <ul className="mt-1 space-y-0.5">
                  {t.ops.map(({ path, method, op }) => (
                    <li key={op.operationId}>
                      <a href={`#${opAnchor(op)}`} className="flex items-center gap-1.5 rounded px-1 py-0.5 hover:bg-slate-100 dark:hover:bg-slate-800">
                        <MethodBadge method={method} />
                        <span className="truncate font-mono text-xs" title={path}>
                          {path.replace('/api/v1', '')}
                        </span>
                      </a>
                    </li>
                  ))}
                </ul>
              </li>
            ))}
            <li>
              <a href="#schemas" className="font-semibold hover:underline">
                Schemas
              </a>
            </li>
          </ul>
        </nav>
        <div className="min-w-0 space-y-8">
          <Card className="p-4 text-sm">
            <h2 className="font-semibold">Authentication and errors</h2>
            <Prose
              className="mt-1 text-slate-600 dark:text-slate-400"
              text={
                'Send `Authorization: Bearer <token>` with a token from `npm run cli -- token create --name N --permissions a,b`, or use the console session. Each route needs the permissions shown on it.\n\nEvery error has the body `{"error": {"code", "message"}}`; 422 adds `details` naming each bad field. Every response carries `x-request-id`, the id on the server’s log lines for the request. Writes marked Idempotency-Key can be retried safely with the same key.'
              }
            />
          </Card>
          {byTag.map((t) => (
            <section key={t.name} aria-labelledby={`tag-${t.name}`} className="space-y-3">
              <div>
                <h2 id={`tag-${t.name}`} className="scroll-mt-20 text-lg font-semibold">
                  {t.name}
                </h2>
                <p className="text-sm text-slate-600 dark:text-slate-400">{t.description}</p>
              </div>
              {t.ops.map(({ path, method, op }) => (
                <OperationCard key={op.operationId} path={path} method={method} op={op} />
              ))}
            </section>
          ))}
          <section aria-labelledby="schemas" className="space-y-3">
            <h2 id="schemas" className="scroll-mt-20 text-lg font-semibold">
              Schemas
            </h2>
            {schemas.map(([name, schema]) => (
              <Card key={name} as="article" className="scroll-mt-20 p-4" aria-labelledby={schemaAnchor(name)}>
                <h3 id={schemaAnchor(name)} className="scroll-mt-20 font-mono text-sm font-semibold">
                  {name}
                </h3>
                {schema.description ? <p className="text-sm text-slate-600 dark:text-slate-400">{schema.description}</p> : null}
                <div className="mt-2">
                  <SchemaView schema={schema} />
                </div>
              </Card>
            ))}
          </section>
        </div>
      </div>
    </div>
  );
}
