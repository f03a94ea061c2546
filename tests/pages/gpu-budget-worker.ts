/** The app's training worker (src/worker/index.ts) on a GPU with little memory (gpu-budget.ts), its warnings forwarded. */
import './worker-console';
import './gpu-budget';
import '../../src/worker/index';
