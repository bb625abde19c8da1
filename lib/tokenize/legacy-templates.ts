/**
 * The chat templates transformers 4.41 fell back to when a tokenizer_config.json has no
 * `chat_template` (its `default_chat_template` properties, removed in later versions), keyed by
 * tokenizer class. The original trained with 4.41, so a backbone without a template of its own
 * was prompted with these (SPEC §5). Texts are the Jinja sources exactly as 4.41 built them.
 */

/** LlamaTokenizer.DEFAULT_SYSTEM_PROMPT (used only when use_default_system_prompt is true). */
const LLAMA_DEFAULT_SYSTEM_PROMPT =
  "You are a helpful, respectful and honest assistant. Always answer as helpfully as possible, while being safe. Your " +
  "answers should not include any harmful, unethical, racist, sexist, toxic, dangerous, or illegal content. Please ensure" +
  " that your responses are socially unbiased and positive in nature.\n\n" +
  "If a question does not make any sense, or is not factually coherent, explain why instead of answering something not " +
  "correct. If you don't know the answer to a question, please don't share false information.";

/** LlamaTokenizer(Fast).default_chat_template: Llama-2 `[INST] <<SYS>>`, no generation-prompt branch. */
const LLAMA2_TEMPLATE_SOURCE = [
  "{% if messages[0]['role'] == 'system' %}",
  "{% set loop_messages = messages[1:] %}",
  "{% set system_message = messages[0]['content'] %}",
  "{% elif USE_DEFAULT_PROMPT == true and not '<<SYS>>' in messages[0]['content'] %}",
  "{% set loop_messages = messages %}",
  "{% set system_message = 'DEFAULT_SYSTEM_MESSAGE' %}",
  "{% else %}",
  "{% set loop_messages = messages %}",
  "{% set system_message = false %}",
  "{% endif %}",
  "{% for message in loop_messages %}",
  "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}",
  "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}",
  "{% endif %}",
  "{% if loop.index0 == 0 and system_message != false %}",
  "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}",
  "{% else %}",
  "{% set content = message['content'] %}",
  "{% endif %}",
  "{% if message['role'] == 'user' %}",
  "{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}",
  "{% elif message['role'] == 'system' %}",
  "{{ '<<SYS>>\\n' + content.strip() + '\\n<</SYS>>\\n\\n' }}",
  "{% elif message['role'] == 'assistant' %}",
  "{{ ' '  + content.strip() + ' ' + eos_token }}",
  "{% endif %}",
  "{% endfor %}",
].join("");

/** The Llama-2 template as 4.41 specialised it for a tokenizer's use_default_system_prompt. */
export function llama2Template(useDefaultSystemPrompt = false): string {
  const message = LLAMA_DEFAULT_SYSTEM_PROMPT.replace(/\n/g, "\\n").replace(/'/g, "\\'");
  return LLAMA2_TEMPLATE_SOURCE.replace("USE_DEFAULT_PROMPT", useDefaultSystemPrompt ? "true" : "false").replace("DEFAULT_SYSTEM_MESSAGE", message);
}

/** PreTrainedTokenizerBase.default_chat_template: ChatML, for classes without a default of their own. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}" +
  "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}" +
  "{% endfor %}" +
  "{% if add_generation_prompt %}" +
  "{{ '<|im_start|>assistant\n' }}" +
  "{% endif %}";

/** GPT2Tokenizer(Fast) / GPTNeoXTokenizerFast.default_chat_template: messages joined by eos. */
export const GPT2_TEMPLATE = "{% for message in messages %}" + "{{ message.content }}{{ eos_token }}" + "{% endfor %}";

export type LegacyTemplateName = "llama2" | "chatml" | "gpt2";

/** Tokenizer classes with a default of their own in 4.41 that we reproduce; all others get ChatML. */
const CLASS_DEFAULTS: Readonly<Record<string, LegacyTemplateName>> = {
  LlamaTokenizer: "llama2",
  LlamaTokenizerFast: "llama2",
  CodeLlamaTokenizer: "llama2",
  CodeLlamaTokenizerFast: "llama2",
  GPT2Tokenizer: "gpt2",
  GPT2TokenizerFast: "gpt2",
  GPTNeoXTokenizerFast: "gpt2",
};

export function legacyTemplateName(tokenizerClass: string | undefined): LegacyTemplateName {
  return (tokenizerClass && CLASS_DEFAULTS[tokenizerClass]) || "chatml";
}

export function legacyTemplate(name: LegacyTemplateName, useDefaultSystemPrompt = false): string {
  return name === "llama2" ? llama2Template(useDefaultSystemPrompt) : name === "gpt2" ? GPT2_TEMPLATE : CHATML_TEMPLATE;
}

/**
 * The file a run bundle carries when its plan rendered a tokenizer without a template of its own
 * with the legacy default (`--template legacy`): train.py gives it to such a tokenizer (today's
 * transformers has no class defaults), so it trains on the ids the plan bundled, and the adapter's
 * saved tokenizer carries it to scoring.
 */
export const LEGACY_TEMPLATE_FILE = "chat_template.legacy.jinja";
