/*
 * The analysis components the portal's index uses that Elasticsearch's integration-test
 * distribution leaves out (it ships without the analysis-common module), built from the
 * Lucene classes the distribution does ship. Installed only on the private test node by
 * scripts/elasticsearch; a real cluster has analysis-common and never sees this plugin.
 *
 * Same names and defaults as analysis-common, so the index settings are identical on both:
 *   analyzers  cjk, english            (default stop words, no settings)
 *   tokenizer  keyword                 (buffer_size)
 *   tokenizer  ngram, edge_ngram       (min_gram, max_gram; token_chars not supported)
 *   filter     edge_ngram, ngram       (min_gram, max_gram, preserve_original)
 *   filter     asciifolding            (preserve_original)
 *   char_filter mapping                (mappings: "from => to"; usable in normalizers)
 * Wagtail's Elasticsearch backend (CMS page search) uses the ngram and asciifolding ones.
 */
package org.sunshine.analysis;

import java.io.Reader;
import java.util.List;
import java.util.Map;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.charfilter.MappingCharFilter;
import org.apache.lucene.analysis.charfilter.NormalizeCharMap;
import org.apache.lucene.analysis.cjk.CJKAnalyzer;
import org.apache.lucene.analysis.core.KeywordTokenizer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.ngram.EdgeNGramTokenFilter;
import org.apache.lucene.analysis.ngram.EdgeNGramTokenizer;
import org.apache.lucene.analysis.ngram.NGramTokenFilter;
import org.apache.lucene.analysis.ngram.NGramTokenizer;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.analysis.AbstractIndexAnalyzerProvider;
import org.elasticsearch.index.analysis.AbstractTokenFilterFactory;
import org.elasticsearch.index.analysis.AnalyzerProvider;
import org.elasticsearch.index.analysis.CharFilterFactory;
import org.elasticsearch.index.analysis.NormalizingCharFilterFactory;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

public class SunshineAnalysisPlugin extends Plugin implements AnalysisPlugin {

    static final class FixedAnalyzerProvider<T extends Analyzer> extends AbstractIndexAnalyzerProvider<T> {
        private final T analyzer;

        FixedAnalyzerProvider(String name, Settings settings, T analyzer) {
            super(name, settings);
            this.analyzer = analyzer;
        }

        @Override
        public T get() {
            return analyzer;
        }
    }

    static final class EdgeNGramFilterFactory extends AbstractTokenFilterFactory {
        private final int minGram;
        private final int maxGram;
        private final boolean preserveOriginal;

        EdgeNGramFilterFactory(String name, Settings settings) {
            super(name, settings);
            this.minGram = settings.getAsInt("min_gram", 1);
            this.maxGram = settings.getAsInt("max_gram", 2);
            this.preserveOriginal = settings.getAsBoolean("preserve_original", false);
        }

        @Override
        public TokenStream create(TokenStream tokenStream) {
            return new EdgeNGramTokenFilter(tokenStream, minGram, maxGram, preserveOriginal);
        }
    }

    static final class NGramFilterFactory extends AbstractTokenFilterFactory {
        private final int minGram;
        private final int maxGram;
        private final boolean preserveOriginal;

        NGramFilterFactory(String name, Settings settings) {
            super(name, settings);
            this.minGram = settings.getAsInt("min_gram", 1);
            this.maxGram = settings.getAsInt("max_gram", 2);
            this.preserveOriginal = settings.getAsBoolean("preserve_original", false);
        }

        @Override
        public TokenStream create(TokenStream tokenStream) {
            return new NGramTokenFilter(tokenStream, minGram, maxGram, preserveOriginal);
        }
    }

    static final class ASCIIFoldingFilterFactory extends AbstractTokenFilterFactory {
        private final boolean preserveOriginal;

        ASCIIFoldingFilterFactory(String name, Settings settings) {
            super(name, settings);
            this.preserveOriginal = settings.getAsBoolean("preserve_original", false);
        }

        @Override
        public TokenStream create(TokenStream tokenStream) {
            return new ASCIIFoldingFilter(tokenStream, preserveOriginal);
        }
    }

    static final class MappingFilterFactory implements NormalizingCharFilterFactory {
        private final String name;
        private final NormalizeCharMap map;

        MappingFilterFactory(String name, Settings settings) {
            this.name = name;
            NormalizeCharMap.Builder builder = new NormalizeCharMap.Builder();
            List<String> rules = settings.getAsList("mappings");
            for (String rule : rules) {
                int arrow = rule.indexOf("=>");
                if (arrow < 0) {
                    throw new IllegalArgumentException("invalid mapping rule: [" + rule + "]");
                }
                builder.add(rule.substring(0, arrow).strip(), rule.substring(arrow + 2).strip());
            }
            this.map = builder.build();
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Reader create(Reader reader) {
            return new MappingCharFilter(map, reader);
        }
    }

    @Override
    public Map<String, AnalysisProvider<AnalyzerProvider<? extends Analyzer>>> getAnalyzers() {
        return Map.of(
            "cjk", (indexSettings, env, name, settings) -> new FixedAnalyzerProvider<>(name, settings, new CJKAnalyzer()),
            "english", (indexSettings, env, name, settings) -> new FixedAnalyzerProvider<>(name, settings, new EnglishAnalyzer())
        );
    }

    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
        return Map.of(
            "keyword", (indexSettings, env, name, settings) -> {
                int bufferSize = settings.getAsInt("buffer_size", KeywordTokenizer.DEFAULT_BUFFER_SIZE);
                return TokenizerFactory.newFactory(name, () -> new KeywordTokenizer(bufferSize));
            },
            "ngram", (indexSettings, env, name, settings) -> {
                int minGram = settings.getAsInt("min_gram", 1);
                int maxGram = settings.getAsInt("max_gram", 2);
                return TokenizerFactory.newFactory(name, () -> new NGramTokenizer(minGram, maxGram));
            },
            "edge_ngram", (indexSettings, env, name, settings) -> {
                int minGram = settings.getAsInt("min_gram", 1);
                int maxGram = settings.getAsInt("max_gram", 2);
                return TokenizerFactory.newFactory(name, () -> new EdgeNGramTokenizer(minGram, maxGram));
            }
        );
    }

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        return Map.of(
            "edge_ngram", (indexSettings, env, name, settings) -> new EdgeNGramFilterFactory(name, settings),
            "ngram", (indexSettings, env, name, settings) -> new NGramFilterFactory(name, settings),
            "asciifolding", (indexSettings, env, name, settings) -> new ASCIIFoldingFilterFactory(name, settings)
        );
    }

    @Override
    public Map<String, AnalysisProvider<CharFilterFactory>> getCharFilters() {
        return Map.of(
            "mapping",
            AnalysisPlugin.requiresAnalysisSettings((indexSettings, env, name, settings) -> new MappingFilterFactory(name, settings))
        );
    }
}
