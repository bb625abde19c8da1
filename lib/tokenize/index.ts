/** Chat-template tokenization for training and scoring (SPEC §5, §7). */
export * from "./load";
export * from "./legacy-templates";
export * from "./template";
export * from "./sft";
export * from "./answer-ids";
export * from "./tiny";
