package coi.config;

/** Whether the AI tool runs with its permission prompts skipped (bypass) or asks the user. */
public enum PermissionMode {
    BYPASS, INTERACTIVE
}
