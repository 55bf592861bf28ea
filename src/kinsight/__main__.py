from kinsight.cli import main

main()
