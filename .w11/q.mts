import { questionsOnSharedConversations } from "../lib/eda/stats";
import { loadSplit } from "../lib/corpus/locate";
const tr = loadSplit("resource/data", "train"), dv = loadSplit("resource/data", "dev");
console.log(questionsOnSharedConversations(tr, dv), questionsOnSharedConversations(dv, tr));
