/**
 * Imported first by each command-line entry point: re-executes the process in place with the settings that only
 * apply at start-up (glibc malloc, V8's initial old generation; runtime/large-message-restart.ts) before any other
 * module runs or any thread starts.
 */
import { restartForLargeMessages } from "../runtime/large-message-restart.js";

restartForLargeMessages();
