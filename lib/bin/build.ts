/**
 * `npm run build`: the production build — dist/ (the esbuild bundles of lib/bin, made by
 * lib/bin/launch.mjs before this runs) and the Next.js app (`next build` into .next or WR_DIST_DIR),
 * stamped with its sources' hash so `npm start` and `npm run web` find it current.
 */
import { ensureBuild } from './support/build';

ensureBuild(process.cwd(), console.log, { force: true });
