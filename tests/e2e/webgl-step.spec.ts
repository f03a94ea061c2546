import { defineStepSuite } from './step-suite';

// Runs in the chromium-webgl project: WebGL through ANGLE on SwiftShader (flags in playwright.config.ts).
defineStepSuite('webgl');
