/** The app's training worker (src/worker/index.ts) on a GPU with little memory: see gpu-budget.ts. */
import './gpu-budget';
import '../../src/worker/index';
