/** Prompt variants (SPEC §4): the template table, the builder, quirk reports and sizes. */
export * from "./variants";
export * from "./pieces";
export * from "./josa";
export * from "./build";
export * from "./quirks";
export * from "./stats";
export * from "./jsonl";
export * from "./diff-view";
export * from "./references";
