import { defineStepSuite } from './step-suite';

// Runs in the chromium-webgl project: WebGL through ANGLE on SwiftShader (BROWSER.md).
defineStepSuite('webgl');
