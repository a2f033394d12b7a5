import { writeLocalCorpusPipelines } from "../../bench/corpus_pipelines.ts";
console.log((await writeLocalCorpusPipelines("/tmp/mc")).join("\n"));
