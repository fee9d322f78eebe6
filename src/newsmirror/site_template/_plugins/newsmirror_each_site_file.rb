# frozen_string_literal: true

# newsmirror: a backport of the linear Site#each_site_file of Jekyll 4.3.2 (jekyll
# PR #9187) to Jekyll 4.3.0 and 4.3.1 (Debian bookworm ships 4.3.1). Those versions
# de-duplicate the site's files with Array#include?, comparing every file with every
# other one three times per build: O(n^2), over a minute of a 10,000-post build.
# Here the same de-duplication uses an identity hash. Nothing else changes.
#
# GitHub Pages builds in safe mode, which ignores _plugins/ (and runs Jekyll 3.10,
# which does not have the problem); other Jekyll versions skip this file too.
if Gem::Version.new(Jekyll::VERSION) >= Gem::Version.new("4.3.0") &&
   Gem::Version.new(Jekyll::VERSION) < Gem::Version.new("4.3.2")
  module Jekyll
    class Site
      def each_site_file
        seen = {}.compare_by_identity
        %w(pages static_files_to_write docs_to_write).each do |type|
          send(type).each do |item|
            next if seen.key?(item)

            seen[item] = true
            yield item
          end
        end
      end
    end
  end
end
